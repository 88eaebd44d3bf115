import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TimedValue } from '@premonitor/forecasting';

/** `$PM_SHARED_DATA_DIR`, else `../shared/data` resolved from the repository root (bench/dist/support → ../../..), not the cwd. */
export const DATA_DIR = process.env['PM_SHARED_DATA_DIR'] ?? join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'data');

/** A benchmark series: one target plus optional extra inputs on the same timestamps. */
export interface BenchSeries {
  readonly name: string;
  readonly source: 'nab' | 'skab';
  /** Target first. */
  readonly inputs: readonly (readonly TimedValue[])[];
  /** Labelled anomaly windows [start, end] in ms (NAB). */
  readonly windows: readonly (readonly [number, number])[];
}

// NAB and SKAB timestamps carry no zone; reading them as UTC keeps the hours as written.
const utc = (s: string) => Date.parse(`${s.trim().replace(' ', 'T')}Z`);

/** The NAB files of the shared data, every one of which the benches evaluate. */
export const NAB_FILES = ['ambient_temperature_system_failure.csv', 'cpu_utilization_asg_misconfiguration.csv', 'ec2_request_latency_system_failure.csv'] as const;

/** One NAB file with its labelled windows. */
export async function loadNab(file: string): Promise<BenchSeries> {
  const text = await readFile(join(DATA_DIR, 'nab', file), 'utf8');
  const points = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, v] = line.split(',');
      return { time: utc(ts!), value: Number(v) };
    });
  const labels = JSON.parse(await readFile(join(DATA_DIR, 'nab', 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const entry = Object.entries(labels).find(([k]) => k.endsWith(`/${file}`));
  const windows = (entry?.[1] ?? []).map(([a, b]) => [utc(a.slice(0, 19)), utc(b.slice(0, 19))] as const);
  return { name: `nab/${file.replace('.csv', '')}`, source: 'nab', inputs: [points], windows };
}

/** Columns by header name of SKAB experiments, concatenated in the order given (they must follow each other in time). */
export async function loadSkabColumns(files: readonly string[]): Promise<Map<string, TimedValue[]>> {
  const columns = new Map<string, TimedValue[]>();
  for (const file of files) {
    const lines = (await readFile(join(DATA_DIR, 'skab', file), 'utf8')).trim().split('\n');
    const header = lines[0]!.split(';');
    for (const line of lines.slice(1)) {
      const cells = line.split(';');
      const time = utc(cells[0]!);
      const last = columns.get(header[1]!)?.at(-1)?.time ?? -Infinity;
      if (time <= last) throw new Error(`${file}: ${cells[0]} does not follow the previous file's last row`);
      header.slice(1).forEach((h, i) => {
        if (!columns.has(h)) columns.set(h, []);
        columns.get(h)!.push({ time, value: Number(cells[i + 1]) });
      });
    }
  }
  return columns;
}
