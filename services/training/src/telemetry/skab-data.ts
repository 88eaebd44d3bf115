import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSetError } from '../training-errors.js';

/** The eight SKAB sensors, in the files' column order (names as the rig reports them). */
export const SKAB_CHANNELS = ['Accelerometer1RMS', 'Accelerometer2RMS', 'Current', 'Pressure', 'Temperature', 'Thermocouple', 'Voltage', 'Volume Flow RateRMS'] as const;

/** One SKAB experiment (or the anomaly-free recording): readings and the `anomaly` labels. */
export interface SkabSeries {
  /** `valve1/3`, `anomaly-free`. */
  readonly name: string;
  /** Row-major `[rows, SKAB_CHANNELS.length]`. */
  readonly rows: Float32Array;
  /** 1 where the row is labelled abnormal. */
  readonly labels: Uint8Array;
}

/** Parses one `;`-separated SKAB file; refuses a file whose header does not name the eight sensors and `anomaly`. */
export function parseSkab(name: string, text: string): SkabSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const columns = SKAB_CHANNELS.map((c) => header.indexOf(c));
  const anomaly = header.indexOf('anomaly');
  if (columns.some((i) => i < 0)) throw new DataSetError(`${name}: the header lacks ${SKAB_CHANNELS.filter((_, k) => columns[k]! < 0).join(', ')}`);
  const c = SKAB_CHANNELS.length;
  const rows = new Float32Array((lines.length - 1) * c);
  const labels = new Uint8Array(lines.length - 1);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(';');
    for (let k = 0; k < c; k++) {
      const v = Number(cells[columns[k]!]);
      if (!Number.isFinite(v)) throw new DataSetError(`${name}: line ${r + 1}, ${SKAB_CHANNELS[k]} is '${cells[columns[k]!] ?? ''}', not a number`);
      rows[(r - 1) * c + k] = v;
    }
    labels[r - 1] = anomaly >= 0 && Number(cells[anomaly]) > 0 ? 1 : 0;
  }
  return { name, rows, labels };
}

/** Loads `valve1/*.csv` in numeric order and `anomaly-free/anomaly-free.csv` from a SKAB folder. */
export async function loadSkab(dir: string): Promise<{ experiments: SkabSeries[]; anomalyFree: SkabSeries }> {
  let files: string[];
  try {
    files = (await readdir(join(dir, 'valve1'))).filter((f) => f.endsWith('.csv'));
  } catch (cause) {
    throw new DataSetError(`no SKAB experiments in ${join(dir, 'valve1')}; set PM_SHARED_DATA_DIR to the folder holding skab/`, { cause });
  }
  files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const experiments = await Promise.all(files.map(async (f) => parseSkab(`valve1/${f.replace('.csv', '')}`, await readFile(join(dir, 'valve1', f), 'utf8'))));
  const anomalyFree = parseSkab('anomaly-free', await readFile(join(dir, 'anomaly-free', 'anomaly-free.csv'), 'utf8'));
  return { experiments, anomalyFree };
}
