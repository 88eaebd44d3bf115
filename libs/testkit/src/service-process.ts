import { fileURLToPath } from 'node:url';
import { ManagedChild, type ChildExit } from './managed-child.js';

/** How to start and recognise a Node service process. */
export interface ServiceProcessOptions {
  /** The script to run (default `services/<name>/dist/main.js`). */
  readonly entry?: string;
  /** Printed once the service is ready (default: the pino line `"msg":"<name> ready"`). */
  readonly ready?: RegExp;
  /** Longest wait for `ready`, ms (default 30 s; 60 s is kinder on a busy machine). */
  readonly timeoutMs?: number;
}

/**
 * A service (`services/<name>/dist/main.js`) as its own process, configured by environment
 * exactly as deployed, so it can be drained (SIGTERM), killed (SIGKILL) and started again.
 */
export class ServiceProcess {
  private constructor(
    readonly name: string,
    private readonly env: Readonly<Record<string, string>>,
    private readonly options: ServiceProcessOptions,
    private readonly child: ManagedChild,
  ) {}

  /**
   * Starts the service with `env` (on top of PATH only: nothing else of this process leaks in)
   * and resolves once it prints its ready line — for a core service: database migrated, bus
   * connected, consuming.
   */
  static async start(name: string, env: Readonly<Record<string, string>>, options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
    const entry = options.entry ?? fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
    const ready = options.ready ?? new RegExp(`"msg":"${name} ready"`);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const child = new ManagedChild({ command: process.execPath, args: [entry], env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env } });
    const service = new ServiceProcess(name, env, options, child);
    let seen = '';
    const isReady = new Promise<boolean>((resolve) => {
      child.onOutput((text) => {
        // Only the recent output matters for a line split across two chunks.
        seen = (seen + text).slice(-20_000);
        if (ready.test(seen)) resolve(true);
      });
      void child.exited.then(() => resolve(false));
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    if (!(await isReady)) {
      const exit = child.exit;
      await child.stop('SIGTERM', 2_000);
      throw new Error(`${name} ${exit ? `exited (${describeExit(exit)}) during start-up` : `not ready after ${timeoutMs} ms`}:\n${child.log.last()}`);
    }
    return service;
  }

  /** The same service again, same environment and options (after a stop or a kill). */
  restart(): Promise<ServiceProcess> {
    return ServiceProcess.start(this.name, this.env, this.options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** What it printed (bounded: the start and the most recent output). */
  get log(): string {
    return this.child.log.text;
  }

  /** True until the process has exited, for whatever reason. */
  get running(): boolean {
    return this.child.running;
  }

  /** How it ended, once it has. */
  get exit(): ChildExit | undefined {
    return this.child.exit;
  }

  get exited(): Promise<ChildExit> {
    return this.child.exited;
  }

  /** The HTTP port from its ready line (`{"port":N,…}`), when it printed one. */
  get httpPort(): number | undefined {
    const match = /"port":(\d+)[^\n]*ready"/.exec(this.child.log.text);
    return match ? Number(match[1]) : undefined;
  }

  /** SIGTERM (the service drains), SIGKILL if it has not exited within `graceMs`; true when it left in time. */
  stop(graceMs = 15_000): Promise<boolean> {
    return this.child.stop('SIGTERM', graceMs);
  }

  /** SIGKILL, as a crash would. */
  kill(): Promise<void> {
    return this.child.kill();
  }
}

/** "code 1", "signal SIGKILL". */
export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
