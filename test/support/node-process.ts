import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killWithThisProcess } from '@premonitor/testkit';

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A compiled entry point of this repository (`services/platform/dist/main.js`, …) run as its
 * own process, as an operator runs it: its output kept for assertions, waits on what it prints.
 */
export class NodeProcess {
  #out = '';
  #err = '';
  readonly exited: Promise<Exit>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.#out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.#err += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `path` (relative to the repository root) with `env` on top of PATH only. */
  static start(path: string, env: Readonly<Record<string, string>>): NodeProcess {
    const main = fileURLToPath(new URL(`../../../${path}`, import.meta.url));
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // A file stopped by the runner's timeout must not leave its platform running (for hours, in CI).
    killWithThisProcess(child);
    return new NodeProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout(): string {
    return this.#out;
  }

  get stderr(): string {
    return this.#err;
  }

  /** Everything printed, both streams. */
  get output(): string {
    return `${this.#out}\n${this.#err}`;
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (ended) throw new Error(`process exited before printing ${pattern}:\n${this.output.slice(-4_000)}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-4_000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Sends `signal` without waiting. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
