import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeThermalImage } from '@premonitor/ml/data';
import type { ThermalIrSample } from '../thermal-ir/thermal-ir-sample.js';
import { DataSetError } from '../training-errors.js';

/** Options of {@link loadThermalIrDataset}. */
export interface LoadThermalIrOptions {
  /** Folder with `module_metadata.json` and `images/` (the shared `thermal-ir` folder). */
  readonly dir: string;
  /** Image size every file must have (the data set's 24 × 40). */
  readonly width: number;
  readonly height: number;
  /** Keep only these classes (default all). */
  readonly classes?: readonly string[];
  /** Keep at most this many images per class, the lowest ids first (smoke runs). */
  readonly perClassLimit?: number;
}

interface MetadataEntry {
  readonly image_filepath?: unknown;
  readonly anomaly_class?: unknown;
}

/**
 * Reads the Raptor Maps InfraredSolarModules layout — `module_metadata.json` mapping each id to
 * `{image_filepath, anomaly_class}` — and decodes every image with `decodeThermalImage`.
 * A missing file, an image of another size or an entry without a class stops the load with a
 * {@link DataSetError} naming the id: a silently smaller data set would skew every figure.
 */
export async function loadThermalIrDataset(options: LoadThermalIrOptions): Promise<ThermalIrSample[]> {
  const metadataPath = join(options.dir, 'module_metadata.json');
  let metadata: Record<string, MetadataEntry>;
  try {
    metadata = JSON.parse(await readFile(metadataPath, 'utf8')) as Record<string, MetadataEntry>;
  } catch (cause) {
    throw new DataSetError(`cannot read ${metadataPath}: ${(cause as Error).message} (set PM_SHARED_DATA_DIR or --data)`, { cause });
  }
  const keep = options.classes ? new Set(options.classes) : undefined;
  const perClass = new Map<string, number>();
  const ids = Object.keys(metadata).sort((a, b) => Number(a) - Number(b));
  const samples: ThermalIrSample[] = [];
  for (const id of ids) {
    const entry = metadata[id]!;
    if (typeof entry.anomaly_class !== 'string' || typeof entry.image_filepath !== 'string') throw new DataSetError(`image ${id}: metadata lacks anomaly_class or image_filepath`);
    const label = entry.anomaly_class;
    if (keep && !keep.has(label)) continue;
    if ((perClass.get(label) ?? 0) >= (options.perClassLimit ?? Number.POSITIVE_INFINITY)) continue;
    perClass.set(label, (perClass.get(label) ?? 0) + 1);
    let image;
    try {
      image = decodeThermalImage(await readFile(join(options.dir, entry.image_filepath)));
    } catch (cause) {
      throw new DataSetError(`image ${id} (${entry.image_filepath}): ${(cause as Error).message}`, { cause });
    }
    if (image.width !== options.width || image.height !== options.height) {
      throw new DataSetError(`image ${id} is ${image.width}×${image.height}, not ${options.width}×${options.height}`);
    }
    samples.push({ id, label, values: image.intensity });
  }
  return samples;
}
