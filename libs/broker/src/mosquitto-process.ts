import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { upsertUserBlock } from './mosquitto-acl.js';
import type { ServiceRole } from './principal.js';

/** A core account of a private Mosquitto. */
export interface MosquittoCoreAccount {
  readonly username: string;
  readonly password: string;
  readonly role: ServiceRole;
}

/** What a private Mosquitto is started with. */
export interface MosquittoProcessOptions {
  /** Device accounts, username `{site}/{device}` → password; they go into `passwd` (device listeners). */
  readonly devices: ReadonlyMap<string, string>;
  /** Core accounts; they go into `passwd-core` and get their role's block in `acl-core` (core listener). */
  readonly core: readonly MosquittoCoreAccount[];
  /** The folder with mosquitto.conf, acl and acl-core; default the repository's `mosquitto/`. */
  readonly configDir?: string;
}

/**
 * A private Mosquitto running the repository's `mosquitto/` configuration — all three
 * listeners, the ACLs, TLS with certificates from `make-dev-certs.sh` — on free ports of
 * 127.0.0.1, with its own data folder. For integration tests, benches and the fault suite:
 * what runs is what ships, only paths and ports differ.
 */
export class MosquittoProcess {
  #child: ChildProcess;
  #exited: Promise<void>;
  #log = '';
  #dropLines = 0;

  private constructor(
    /** Plain device listener (1883 in the shipped config). */
    readonly devicePort: number,
    /** TLS device listener (8883). */
    readonly tlsPort: number,
    /** Core listener (1884). */
    readonly corePort: number,
    /** The working folder: config, password files, certs/, data/. */
    readonly dir: string,
    private readonly binary: string,
  ) {
    this.#child = this.#spawn();
    this.#exited = exitOf(this.#child);
  }

  /** `mqtt://127.0.0.1:{devicePort}`: where devices connect. */
  get deviceUrl(): string {
    return `mqtt://127.0.0.1:${this.devicePort}`;
  }

  /** `mqtts://localhost:{tlsPort}`; the certificate names localhost and 127.0.0.1. */
  get tlsUrl(): string {
    return `mqtts://localhost:${this.tlsPort}`;
  }

  /** `mqtt://127.0.0.1:{corePort}`: where core services connect. */
  get coreUrl(): string {
    return `mqtt://127.0.0.1:${this.corePort}`;
  }

  /** The development CA that signed the server certificate (what a TLS client must trust). */
  get caFile(): string {
    return join(this.dir, 'certs', 'ca.crt');
  }

  /** Everything Mosquitto logged (bounded at ~1 MB). */
  get log(): string {
    return this.#log;
  }

  /** Lines "Outgoing messages are being dropped for client …" seen so far (must stay 0). */
  get dropWarnings(): number {
    return this.#dropLines;
  }

  /** The process id, for `ps`-based CPU accounting. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts Mosquitto and resolves once all three listeners accept connections. */
  static async start(options: MosquittoProcessOptions): Promise<MosquittoProcess> {
    const binary = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p)) ?? which('mosquitto');
    const passwdTool = which('mosquitto_passwd');
    if (!binary || !passwdTool) throw new Error('mosquitto and mosquitto_passwd not found (apt install mosquitto mosquitto-clients)');
    const configDir = options.configDir ?? fileURLToPath(new URL('../../../mosquitto/', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'pm-mosquitto-'));
    try {
      mkdirSync(join(dir, 'data'));
      writePasswords(passwdTool, join(dir, 'passwd'), [...options.devices]);
      writePasswords(passwdTool, join(dir, 'passwd-core'), options.core.map((a) => [a.username, a.password]));
      writeFileSync(join(dir, 'acl'), readFileSync(join(configDir, 'acl')));
      let coreAcl = readFileSync(join(configDir, 'acl-core'), 'utf8');
      for (const a of options.core) coreAcl = upsertUserBlock(coreAcl, a.username, a.role);
      writeFileSync(join(dir, 'acl-core'), coreAcl);
      execFileSync('bash', [join(configDir, 'make-dev-certs.sh')], { env: { ...process.env, MOSQUITTO_CERTS_DIR: join(dir, 'certs') }, stdio: 'ignore' });
      const [devicePort, tlsPort, corePort] = [await freePort(), await freePort(), await freePort()];
      const ports = new Map([[1883, devicePort], [8883, tlsPort], [1884, corePort]]);
      let conf = readFileSync(join(configDir, 'mosquitto.conf'), 'utf8');
      for (const [shipped, port] of ports) {
        const line = new RegExp(`^listener ${shipped}$`, 'm');
        if (!line.test(conf)) throw new Error(`mosquitto.conf no longer has \`listener ${shipped}\`; update libs/broker/src/mosquitto-process.ts`);
        conf = conf.replace(line, `listener ${port} 127.0.0.1`);
      }
      conf = conf.replaceAll('/mosquitto/config/', `${dir}/`).replace('/mosquitto/data/', `${join(dir, 'data')}/`);
      // Mosquitto's stdout is block-buffered into a pipe; stderr is not, so the log (and `reload()`) is live.
      conf = conf.replace(/^log_dest stdout$/m, 'log_dest stderr');
      // Started as root, Mosquitto would drop to the `mosquitto` user, which cannot read this private dir.
      writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
      const mosquitto = new MosquittoProcess(devicePort, tlsPort, corePort, dir, binary);
      try {
        await mosquitto.#waitForListeners();
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

  /** Gives a core account another role (rewrites its `acl-core` block) and makes Mosquitto re-read its ACLs. */
  async setCoreRole(username: string, role: ServiceRole): Promise<void> {
    const path = join(this.dir, 'acl-core');
    writeFileSync(path, upsertUserBlock(readFileSync(path, 'utf8'), username, role));
    await this.reload();
  }

  /** SIGHUP: Mosquitto re-reads password files and ACLs; resolves once it logged the reload. */
  async reload(): Promise<void> {
    const before = this.#log.length;
    this.#child.kill('SIGHUP');
    await until(() => this.#log.indexOf('Reloading config', before) >= 0, 5_000, 'mosquitto to reload its config');
  }

  /** Stops Mosquitto (it saves its database) and starts it again on the same ports and data. */
  async restart(): Promise<void> {
    await this.shutDown();
    await this.startAgain();
  }

  /** Stops the process (it saves its database), keeping its folder and ports for `startAgain()`. */
  async shutDown(): Promise<void> {
    await this.#terminate();
  }

  /** Starts a process stopped by `shutDown()` on the same ports and data; resolves once it listens. */
  async startAgain(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) return;
    this.#child = this.#spawn();
    this.#exited = exitOf(this.#child);
    await this.#waitForListeners();
  }

  /** Stops Mosquitto and removes its folder. */
  async stop(): Promise<void> {
    await this.#terminate();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #spawn(): ChildProcess {
    const child = spawn(this.binary, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer) => {
      const text = d.toString();
      this.#dropLines += text.match(/being dropped/g)?.length ?? 0;
      // Connection lines are enough to explain a failure; keep the log bounded anyway.
      if (this.#log.length < 1_000_000) this.#log += text;
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    return child;
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }

  async #waitForListeners(): Promise<void> {
    const child = this.#child;
    for (const port of [this.devicePort, this.tlsPort, this.corePort]) {
      await until(async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}`);
        return accepts(port);
      }, 10_000, `mosquitto to listen on ${port}`);
    }
  }
}

function writePasswords(tool: string, file: string, accounts: ReadonlyArray<readonly [string, string]>): void {
  // Mosquitto needs the file even when it holds no account.
  writeFileSync(file, '', { mode: 0o600 });
  for (const [user, password] of accounts) execFileSync(tool, ['-b', file, user, password]);
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
