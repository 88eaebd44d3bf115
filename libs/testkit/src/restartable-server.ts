import type { ManagedChild } from './managed-child.js';

/**
 * A server process that can be stopped and started again on the same port and data, as an
 * outage would: what PostgreSQL, NATS and Mosquitto have in common. Subclasses say how to start
 * the process, how to know it is ready and which signal stops it cleanly.
 */
export abstract class RestartableServer {
  #child: ManagedChild;
  #previousLogs = '';

  protected constructor(child: ManagedChild) {
    this.#child = child;
  }

  /** Starts the server process (again). */
  protected abstract spawn(): ManagedChild;
  /** Resolves once `child` serves; rejects (with its log) when it does not. */
  protected abstract waitReady(child: ManagedChild): Promise<void>;
  /** Removes the server's folder once it is stopped for good. */
  protected abstract removeFiles(): void;
  /** The signal of a clean, quick stop (default SIGTERM). */
  protected get stopSignal(): NodeJS.Signals {
    return 'SIGTERM';
  }

  /** The process id, for `ps`-based CPU accounting. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.#child.running;
  }

  /** Everything it logged, across restarts (bounded per run). */
  get log(): string {
    return this.#previousLogs + this.#child.log.text;
  }

  /** Stops the server cleanly and keeps its data for `resume()`. */
  async halt(): Promise<void> {
    await this.#child.stop(this.stopSignal, 30_000);
    this.#previousLogs += this.#child.log.text;
  }

  /** Starts the server again after `halt()`, on the same port with the same data. */
  async resume(): Promise<void> {
    if (this.#child.running) return;
    this.#child = this.spawn();
    await this.ready();
  }

  /** `halt()`, `downMs` of outage, `resume()`. */
  async restart(downMs = 0): Promise<void> {
    await this.halt();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.resume();
  }

  /** Stops the server for good and removes its files. */
  async stop(): Promise<void> {
    await this.#child.stop(this.stopSignal, 10_000);
    this.removeFiles();
  }

  /** Waits for the current process to serve; stops it and rethrows when it does not. */
  protected async ready(): Promise<void> {
    const child = this.#child;
    try {
      await this.waitReady(child);
    } catch (err) {
      await child.stop(this.stopSignal, 2_000);
      throw err;
    }
  }
}
