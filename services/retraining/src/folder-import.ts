import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

/** One file of a collection and the label its place in the folder gives it. */
export interface CollectedFile {
  readonly path: string;
  readonly label: 'normal' | 'anomalous';
  readonly faultClass?: string;
}

const SAMPLE_EXTENSIONS = new Set(['.wav', '.png', '.jpg', '.jpeg', '.csv', '.json']);

/**
 * The sample files of a folder. With `label` given, every file directly in it has that label;
 * otherwise the layout says: `normal/…` and `anomalous/…`, where a subfolder of `anomalous`
 * names the fault class (`anomalous/Hot-Spot/12.jpg`). Other files are ignored; sorted by path.
 */
export async function collectSamples(folder: string, label?: 'normal' | 'anomalous', faultClass?: string): Promise<CollectedFile[]> {
  const files = async (dir: string) => (await readdir(dir)).filter((n) => SAMPLE_EXTENSIONS.has(extname(n).toLowerCase())).sort().map((n) => join(dir, n));
  if (label) return (await files(folder)).map((path) => ({ path, label, ...(faultClass ? { faultClass } : {}) }));
  const out: CollectedFile[] = [];
  const normal = join(folder, 'normal');
  if (await isDir(normal)) out.push(...(await files(normal)).map((path) => ({ path, label: 'normal' as const })));
  const anomalous = join(folder, 'anomalous');
  if (await isDir(anomalous)) {
    out.push(...(await files(anomalous)).map((path) => ({ path, label: 'anomalous' as const })));
    for (const sub of (await readdir(anomalous)).sort()) {
      const dir = join(anomalous, sub);
      if (await isDir(dir)) out.push(...(await files(dir)).map((path) => ({ path, label: 'anomalous' as const, faultClass: basename(dir) })));
    }
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Uploads files in batches of `batch` through `POST /api/v1/samples`; returns stored, duplicate and refused counts. */
export async function uploadCollection(baseUrl: string, kind: string, files: readonly CollectedFile[], extra: Readonly<Record<string, string>>, batch: number, report: (line: string) => void, headers: Readonly<Record<string, string>> = {}): Promise<{ stored: number; duplicates: number; refused: number }> {
  const totals = { stored: 0, duplicates: 0, refused: 0 };
  for (let i = 0; i < files.length; i += batch) {
    const form = new FormData();
    form.append('kind', kind);
    for (const [k, v] of Object.entries(extra)) form.append(k, v);
    for (const f of files.slice(i, i + batch)) {
      form.append('label', f.label);
      // A field applies to the files after it: an empty one clears the previous file's class.
      form.append('faultClass', f.faultClass ?? '');
      form.append('file', new Blob([await readFile(f.path)]), f.path);
    }
    const res = await fetch(`${baseUrl}/api/v1/samples`, { method: 'POST', body: form, headers });
    const body = (await res.json()) as { files?: { file: string; status: number; message?: string }[]; message?: string };
    if (!body.files) throw new Error(`the service answered ${res.status}: ${body.message ?? ''}`);
    for (const f of body.files) {
      if (f.status === 201) totals.stored++;
      else if (f.status === 200) totals.duplicates++;
      else {
        totals.refused++;
        report(`refused ${f.file} (${f.status}): ${f.message}`);
      }
    }
  }
  return totals;
}
