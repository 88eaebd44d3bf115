import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSetError } from '../training-errors.js';

/** The NAB series in the shared data folder (file names without `.csv`). */
export const NAB_SERIES = ['ambient_temperature_system_failure', 'cpu_utilization_asg_misconfiguration', 'ec2_request_latency_system_failure'] as const;

/** One NAB series with its labelled anomaly windows as row labels. */
export interface NabSeries {
  readonly name: string;
  readonly times: Float64Array;
  readonly values: Float32Array;
  /** 1 inside a labelled window. */
  readonly labels: Uint8Array;
  /** Labelled windows as `[start, end]` epoch ms. */
  readonly windows: readonly (readonly [number, number])[];
}

const nabTime = (s: string): number => Date.parse(`${s.trim().replace(' ', 'T').slice(0, 19)}Z`);

/** Loads the NAB series and `windows.json` (NAB's combined windows) from a folder. */
export async function loadNab(dir: string): Promise<NabSeries[]> {
  let windowsJson: Record<string, [string, string][]>;
  try {
    windowsJson = JSON.parse(await readFile(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  } catch (cause) {
    throw new DataSetError(`no readable NAB windows.json in ${dir}; set PM_SHARED_DATA_DIR to the folder holding nab/`, { cause });
  }
  return Promise.all(
    NAB_SERIES.map(async (name) => {
      const key = Object.keys(windowsJson).find((k) => k.endsWith(`/${name}.csv`));
      const windows = (key ? windowsJson[key]! : []).map(([a, b]) => [nabTime(a), nabTime(b)] as const);
      const lines = (await readFile(join(dir, `${name}.csv`), 'utf8')).split(/\r?\n/).slice(1).filter((l) => l.trim() !== '');
      const times = new Float64Array(lines.length);
      const values = new Float32Array(lines.length);
      lines.forEach((line, i) => {
        const [t, v] = line.split(',');
        times[i] = nabTime(t ?? '');
        values[i] = Number(v);
        if (!Number.isFinite(times[i]!) || !Number.isFinite(values[i]!)) throw new DataSetError(`${name}.csv line ${i + 2} is not 'timestamp,value': '${line}'`);
      });
      const labels = Uint8Array.from(times, (t) => (windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0));
      return { name, times, values, labels, windows };
    }),
  );
}
