import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A distributed-mode service (`services/<name>/dist/main.js`) as its own process, as deployed. */
export class ServiceProcess {
  #log = '';
  readonly #exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Starts the service with `env` (on top of PATH only: nothing else of this process leaks in)
   * and resolves once it logs "<name> ready" — database migrated, bus connected, consuming.
   */
  static async start(name: string, env: Readonly<Record<string, string>>, timeoutMs = 30_000): Promise<ServiceProcess> {
    const main = fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = new ServiceProcess(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${service.log}`)), timeoutMs);
      const onData = (d: Buffer) => {
        service.#keep(d);
        if (service.#log.includes(`"msg":"${name} ready"`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => service.#keep(d));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} during start-up:\n${service.log}`));
      });
    });
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** What it printed (bounded): explains a failure. */
  get log(): string {
    return this.#log;
  }

  /** SIGTERM (the service drains), SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #keep(d: Buffer): void {
    if (this.#log.length < 200_000) this.#log += d.toString();
  }
}
