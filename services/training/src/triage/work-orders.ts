import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** One excavator work order of `work-orders/excavators-cleaned.csv` (UWA / NIST nestor). */
export interface WorkOrder {
  /** Row number in the file, header = 1. */
  readonly line: number;
  /** Excavator, `A`…`E`: the unit of the held-out split. */
  readonly asset: string;
  /** The technician's short text (`OriginalShorttext`). */
  readonly text: string;
  /** `PMType`: PM01 corrective, PM02 preventive, PM06 accident damage, PM04 capital, … */
  readonly orderType: string;
  readonly cost: number;
  /** `RunningTime`, undefined where the file says NA. */
  readonly runningTime?: number;
  /** Hand-coded failure mode `FM` (compound codes joined by `_`), undefined where NA. */
  readonly failureMode?: string;
}

/** A work-order file that does not have the expected columns or values. */
export class WorkOrderFileError extends Error {
  override readonly name = 'WorkOrderFileError';
}

const COLUMNS = ['Asset', 'OriginalShorttext', 'PMType', 'Cost', 'RunningTime', 'FM'] as const;

/** `excavators-cleaned.csv` under a shared-data folder. */
export function excavatorWorkOrdersFile(sharedDataDir: string): string {
  return join(sharedDataDir, 'work-orders', 'excavators-cleaned.csv');
}

/** Reads and checks the excavator work orders; a bad row is named with its line. */
export async function loadExcavatorWorkOrders(path: string): Promise<WorkOrder[]> {
  return parseExcavatorWorkOrders(await readFile(path, 'utf8'));
}

/** {@link loadExcavatorWorkOrders} on the file's text. */
export function parseExcavatorWorkOrders(csv: string): WorkOrder[] {
  const records = parse(csv, { columns: true, skip_empty_lines: true, relax_quotes: true }) as Record<string, string>[];
  const missing = COLUMNS.filter((c) => records.length > 0 && !(c in records[0]!));
  if (records.length === 0 || missing.length > 0) throw new WorkOrderFileError(records.length === 0 ? 'no work orders in the file' : `missing column(s) ${missing.join(', ')}`);
  return records.map((r, i) => {
    const line = i + 2;
    const cost = Number(r['Cost']);
    if (!Number.isFinite(cost)) throw new WorkOrderFileError(`line ${line}: Cost '${r['Cost']}' is not a number`);
    const running = r['RunningTime'] === 'NA' ? undefined : Number(r['RunningTime']);
    if (running !== undefined && !Number.isFinite(running)) throw new WorkOrderFileError(`line ${line}: RunningTime '${r['RunningTime']}' is not a number or NA`);
    const fm = r['FM']!;
    return {
      line,
      asset: r['Asset']!,
      text: r['OriginalShorttext']!,
      orderType: r['PMType']!,
      cost,
      ...(running !== undefined ? { runningTime: running } : {}),
      ...(fm !== 'NA' && fm !== '' ? { failureMode: fm } : {}),
    };
  });
}
