import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@premonitor/log';
import { syncDirectory, writeFileAtomic } from './atomic-file.js';

/**
 * A model's files in the agent's `models/` folder: `{name}.onnx`, the running one, and
 * `{name}.previous.onnx`, the one it replaced. The frame models and the device's telemetry model
 * keep theirs the same way, so a power cut or a file that stops loading never leaves the agent
 * without the last model that worked.
 */
export class ModelFiles {
  readonly #dir: string;
  readonly #name: string;

  constructor(dir: string, name: string) {
    this.#dir = dir;
    this.#name = name;
  }

  get current(): string {
    return join(this.#dir, `${this.#name}.onnx`);
  }

  get previous(): string {
    return join(this.#dir, `${this.#name}.previous.onnx`);
  }

  /** Opens the current file, else the previous one (logged as a rollback); undefined when neither opens. */
  async load<T>(open: (bytes: Uint8Array) => Promise<T>, logger: Logger): Promise<T | undefined> {
    for (const path of [this.current, this.previous]) {
      if (!(await isFile(path))) continue;
      try {
        const model = await open(new Uint8Array(await readFile(path)));
        if (path !== this.current) logger.warn({ model: this.#name }, 'current model unusable; rolled back to the previous one');
        return model;
      } catch (err) {
        logger.error({ model: this.#name, path, err: (err as Error).message }, 'model file unusable');
      }
    }
    return undefined;
  }

  /** Makes `bytes` the current file atomically; the replaced one becomes the previous. */
  async replace(bytes: Uint8Array): Promise<void> {
    const next = `${this.current}.next`;
    await writeFileAtomic(next, bytes);
    if (await isFile(this.current)) await rename(this.current, this.previous);
    await rename(next, this.current);
    await syncDirectory(this.#dir);
  }

  /** Deletes the current and the previous file (a withdrawn model must not come back as a rollback after a reboot). */
  async remove(): Promise<void> {
    await rm(this.current, { force: true });
    await rm(this.previous, { force: true });
    await syncDirectory(this.#dir);
  }
}

/** True when `path` is a file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
