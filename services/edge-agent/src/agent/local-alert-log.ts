import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EdgeAlertMessage } from '@premonitor/contracts';

/**
 * Local alerts as JSON lines, for the technician at the machine when nothing else is
 * reachable. Bounded: past `maxBytes` the file is rotated to `.1` (one generation kept).
 */
export class LocalAlertLog {
  readonly #path: string;
  readonly #maxBytes: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string, maxBytes = 5 * 1024 * 1024) {
    this.#path = path;
    this.#maxBytes = maxBytes;
  }

  /** Appends one alert line (serialised, so concurrent calls never interleave). */
  append(alert: EdgeAlertMessage & { readonly site: string; readonly device: string }): Promise<void> {
    const line = `${JSON.stringify({ ...alert, at: new Date(alert.ts).toISOString() })}\n`;
    this.#chain = this.#chain.catch(() => {}).then(async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      const size = await stat(this.#path).then((s) => s.size, () => 0);
      if (size + line.length > this.#maxBytes) await rename(this.#path, `${this.#path}.1`);
      await appendFile(this.#path, line);
    });
    return this.#chain;
  }
}
