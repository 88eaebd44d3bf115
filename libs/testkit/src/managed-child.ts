import { spawn, type ChildProcess } from 'node:child_process';
import { killWithThisProcess } from './orphan-guard.js';
import { BoundedLog } from './bounded-log.js';

/** How to start a child process. */
export interface ChildSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** The whole environment of the child (nothing of this process leaks in unless passed). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Run as this user and group (only when this process may: root starting PostgreSQL). */
  readonly uid?: number;
  readonly gid?: number;
}

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One child process with its output kept (bounded), an `exited` promise and a stop that
 * escalates from a polite signal to SIGKILL after a grace period. Every process the testkit
 * starts goes through this, so nothing it starts can outlive a stop.
 */
export class ManagedChild {
  readonly log = new BoundedLog();
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;
  readonly #child: ChildProcess;
  readonly #listeners: Array<(text: string) => void> = [];

  constructor(readonly spec: ChildSpec) {
    this.#child = spawn(spec.command, [...spec.args], {
      env: spec.env ? { ...spec.env } : { PATH: process.env.PATH ?? '' },
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killWithThisProcess(this.#child);
    const collect = (d: Buffer) => {
      const text = d.toString();
      this.log.append(text);
      for (const listener of this.#listeners) listener(text);
    };
    this.#child.stdout?.on('data', collect);
    this.#child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      // 'error' (e.g. ENOENT) comes instead of 'exit' when the command cannot start.
      this.#child.once('error', (err) => {
        this.log.append(`\n[spawn failed: ${err.message}]\n`);
        this.#exit ??= { code: -1, signal: null };
        resolve(this.#exit);
      });
      this.#child.once('exit', (code, signal) => {
        this.#exit ??= { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** How it ended, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** Calls `listener` with every chunk of output from now on. */
  onOutput(listener: (text: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /**
   * Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves with whether the process left
   * on its own within the grace period.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<boolean> {
    if (!this.running) return true;
    this.#child.kill(signal);
    let graceful = true;
    const timer = setTimeout(() => {
      graceful = false;
      this.#child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    return graceful;
  }

  /** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}
