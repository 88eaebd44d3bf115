import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './net.js';

/** A private Mosquitto running the project's `mosquitto/` configuration on a free port. */
export class MosquittoProcess {
  #log = '';
  #dropLines = 0;
  readonly #exited: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    const collect = (d: Buffer) => {
      const text = d.toString();
      this.#dropLines += text.match(/being dropped/g)?.length ?? 0;
      // Connection lines are enough to explain a failure; keep the log bounded anyway.
      if (this.#log.length < 1_000_000) this.#log += text;
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Lines "Outgoing messages are being dropped for client …" seen so far (must stay 0). */
  get dropWarnings(): number {
    return this.#dropLines;
  }

  get log(): string {
    return this.#log;
  }

  /**
   * Starts Mosquitto with mosquitto/mosquitto.conf and mosquitto/acl unchanged except for
   * paths and the port; `accounts` (username → password) become the password file, made
   * with mosquitto_passwd as an operator would.
   */
  static async start(accounts: ReadonlyMap<string, string>): Promise<MosquittoProcess> {
    const binary = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p)) ?? which('mosquitto');
    const passwdTool = which('mosquitto_passwd');
    if (!binary || !passwdTool) throw new Error('mosquitto and mosquitto_passwd not found (apt install mosquitto mosquitto-clients)');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'pm-bench-mosquitto-'));
    try {
      mkdirSync(join(dir, 'data'));
      const passwd = join(dir, 'passwd');
      let first = true;
      for (const [user, password] of accounts) {
        execFileSync(passwdTool, [...(first ? ['-c'] : []), '-b', passwd, user, password]);
        first = false;
      }
      writeFileSync(join(dir, 'acl'), readFileSync(join(root, 'mosquitto/acl')));
      const port = await freePort();
      const conf = readFileSync(join(root, 'mosquitto/mosquitto.conf'), 'utf8')
        .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
        .replace('/mosquitto/config/passwd', passwd)
        .replace('/mosquitto/config/acl', join(dir, 'acl'))
        .replace('/mosquitto/data/', `${join(dir, 'data')}/`);
      if (!conf.includes(`listener ${port} `)) throw new Error('mosquitto/mosquitto.conf no longer has `listener 1883`; update bench/support/mosquitto-process.ts');
      // Started as root, Mosquitto would drop to the `mosquitto` user, which cannot read this private dir.
      writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
      const child = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      const mosquitto = new MosquittoProcess(port, dir, child);
      try {
        await waitForPort(port, 10_000, () => child.exitCode === null);
      } catch (err) {
        await mosquitto.stop();
        throw new Error(`mosquitto did not start:\n${mosquitto.log}`, { cause: err });
      }
      return mosquitto;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The process id, for `ps`-based CPU accounting. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
