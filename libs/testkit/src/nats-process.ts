import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { ManagedChild } from './managed-child.js';
import { freePort, waitForPort } from './net.js';
import { RestartableServer } from './restartable-server.js';

/**
 * A private `nats-server` with JetStream (file storage in a temp folder) on a free port.
 * `halt()`/`resume()` stop and start it on the same port and store, as a restart of the
 * real server would: streams, consumers and unacknowledged messages survive.
 */
export class NatsProcess extends RestartableServer {
  private constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly port: number,
  ) {
    super(NatsProcess.#spawn(binary, dir, port));
  }

  static async start(): Promise<NatsProcess> {
    const binary = findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server']);
    if (!binary) throw new Error('nats-server not found (apt install nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'pm-nats-'));
    try {
      const nats = new NatsProcess(binary, dir, await freePort());
      await nats.ready();
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

  protected spawn(): ManagedChild {
    return NatsProcess.#spawn(this.binary, this.dir, this.port);
  }

  protected async waitReady(child: ManagedChild): Promise<void> {
    try {
      await waitForPort(this.port, 15_000, () => child.running);
    } catch (err) {
      throw new Error(`nats-server did not start:\n${child.log.last()}`, { cause: err });
    }
  }

  protected removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
