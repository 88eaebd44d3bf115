import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkOrderFileError } from './work-orders.js';

/** `maintie-gold.json` (MaintIE, MIT) under a shared-data folder. */
export function maintieGoldFile(sharedDataDir: string): string {
  return join(sharedDataDir, 'work-orders', 'maintie-gold.json');
}

/** The 856 work-order texts of MaintIE's gold set (annotations are not used here). */
export async function loadMaintieTexts(path: string): Promise<string[]> {
  const data = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (!Array.isArray(data) || data.some((d) => typeof d !== 'object' || d === null || typeof (d as { text?: unknown }).text !== 'string')) {
    throw new WorkOrderFileError(`${path}: expected an array of {text, …} objects`);
  }
  return data.map((d) => (d as { text: string }).text);
}
