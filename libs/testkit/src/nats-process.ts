import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { ManagedChild } from './managed-child.js';
import { freePort, waitForPort } from './net.js';

/**
 * A private `nats-server` with JetStream (file storage in a temp folder) on a free port.
 * `halt()`/`resume()` stop and start it on the same port and store, as a restart of the
 * real server would: streams, consumers and unacknowledged messages survive.
 */
export class NatsProcess {
  #child: ManagedChild;
  #previousLogs = '';

  private constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly port: number,
    child: ManagedChild,
  ) {
    this.#child = child;
  }

  static async start(): Promise<NatsProcess> {
    const binary = findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server']);
    if (!binary) throw new Error('nats-server not found (apt install nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'pm-nats-'));
    try {
      const port = await freePort();
      const nats = new NatsProcess(binary, dir, port, NatsProcess.#spawn(binary, dir, port));
      await nats.#waitReady();
      return nats;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  static #spawn(binary: string, dir: string, port: number): ManagedChild {
    return new ManagedChild({ command: binary, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '--server_name', `pm-private-${port}`] });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.running;
  }

  get log(): string {
    return this.#previousLogs + this.#child.log.text;
  }

  /** Stops the server (SIGTERM: JetStream flushes its store) and keeps the store for `resume()`. */
  async halt(): Promise<void> {
    await this.#child.stop('SIGTERM', 10_000);
    this.#previousLogs += this.#child.log.text;
  }

  /** Starts the server again after `halt()`, same port, same store. */
  async resume(): Promise<void> {
    if (this.#child.running) return;
    this.#child = NatsProcess.#spawn(this.binary, this.dir, this.port);
    await this.#waitReady();
  }

  /** `halt()`, `downMs` of outage, `resume()`. */
  async restart(downMs = 0): Promise<void> {
    await this.halt();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.resume();
  }

  /** Stops the server for good and removes its store. */
  async stop(): Promise<void> {
    await this.#child.stop('SIGTERM', 5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #waitReady(): Promise<void> {
    const child = this.#child;
    try {
      await waitForPort(this.port, 15_000, () => child.running);
    } catch (err) {
      await child.stop('SIGTERM', 2_000);
      throw new Error(`nats-server did not start:\n${child.log.last()}`, { cause: err });
    }
  }
}
