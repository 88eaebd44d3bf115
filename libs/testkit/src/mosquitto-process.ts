import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { ManagedChild } from './managed-child.js';
import { freePort, waitForPort } from './net.js';
import { repoRoot } from './repo-root.js';
import { RestartableServer } from './restartable-server.js';

/** How to run a private Mosquitto. */
export interface MosquittoOptions {
  /** username → password; written to the password file with mosquitto_passwd, as an operator would. */
  readonly accounts: ReadonlyMap<string, string>;
  /** Folder holding mosquitto.conf and the files it names (default: the repository's `mosquitto/`). */
  readonly configDir?: string;
  /** Lines appended to the configuration (after the repository's own). */
  readonly extraConfig?: readonly string[];
}

/**
 * A private Mosquitto running the project's `mosquitto/` configuration unchanged except for
 * paths and ports: every `listener N` becomes a free port on 127.0.0.1 (read it back with
 * `portFor(N)`), `/mosquitto/config/` and `/mosquitto/data/` point into a temp folder, and the
 * password file holds the given accounts. `restart()` stops it (Mosquitto writes its
 * persistence file on SIGTERM) and starts it again on the same ports and data.
 */
export class MosquittoProcess extends RestartableServer {
  private constructor(
    private readonly dir: string,
    private readonly binary: string,
    readonly ports: ReadonlyMap<number, number>,
  ) {
    super(MosquittoProcess.#spawn(binary, dir));
  }

  /** Starts Mosquitto; accepts the account map alone for the common case. */
  static async start(options: MosquittoOptions | ReadonlyMap<string, string>): Promise<MosquittoProcess> {
    const o: MosquittoOptions = options instanceof Map ? { accounts: options } : (options as MosquittoOptions);
    const binary = findBinary('mosquitto', ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']);
    const passwdTool = findBinary('mosquitto_passwd', ['/usr/bin/mosquitto_passwd']);
    if (!binary || !passwdTool) throw new Error('mosquitto and mosquitto_passwd not found (apt install mosquitto mosquitto-clients)');
    const source = o.configDir ?? join(repoRoot(), 'mosquitto');
    const dir = mkdtempSync(join(tmpdir(), 'pm-mosquitto-'));
    try {
      const configDir = join(dir, 'config');
      mkdirSync(configDir);
      mkdirSync(join(dir, 'data'));
      copyTree(source, configDir, (name) => name !== 'passwd' && name !== 'mosquitto.conf');
      const passwd = join(configDir, 'passwd');
      writeFileSync(passwd, '');
      for (const [user, password] of o.accounts) execFileSync(passwdTool, ['-b', passwd, user, password]);

      const ports = new Map<number, number>();
      let conf = readFileSync(join(source, 'mosquitto.conf'), 'utf8');
      const listeners = [...conf.matchAll(/^listener\s+(\d+)(?:\s+\S+)?\s*$/gm)];
      if (listeners.length === 0) throw new Error(`${join(source, 'mosquitto.conf')} has no \`listener N\` line; update libs/testkit/src/mosquitto-process.ts`);
      for (const match of listeners) ports.set(Number(match[1]), await freePort());
      conf = conf
        .replace(/^listener\s+(\d+)(?:\s+\S+)?\s*$/gm, (_, port: string) => `listener ${ports.get(Number(port))} 127.0.0.1`)
        .replaceAll('/mosquitto/config/', `${configDir}/`)
        .replaceAll('/mosquitto/data/', `${join(dir, 'data')}/`);
      // Started as root, Mosquitto would drop to the `mosquitto` user, which cannot read this private dir.
      writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n${(o.extraConfig ?? []).join('\n')}\n`);
      const mosquitto = new MosquittoProcess(dir, binary, ports);
      await mosquitto.ready();
      return mosquitto;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  static #spawn(binary: string, dir: string): ManagedChild {
    return new ManagedChild({ command: binary, args: ['-c', join(dir, 'mosquitto.conf')] });
  }

  /** The actual port of the first listener of the configuration (the devices' listener). */
  get port(): number {
    return this.ports.values().next().value!;
  }

  /** The actual port of the configuration's `listener <configured>`. */
  portFor(configured: number): number {
    const port = this.ports.get(configured);
    if (port === undefined) throw new Error(`mosquitto.conf has no listener ${configured} (has ${[...this.ports.keys()].join(', ')})`);
    return port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Log lines matching `pattern` so far, across restarts. */
  count(pattern: RegExp): number {
    const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
    return this.log.match(new RegExp(pattern.source, flags))?.length ?? 0;
  }

  /** Lines "Outgoing messages are being dropped for client …" seen so far (must stay 0). */
  get dropWarnings(): number {
    return this.count(/being dropped/);
  }

  protected spawn(): ManagedChild {
    return MosquittoProcess.#spawn(this.binary, this.dir);
  }

  protected async waitReady(child: ManagedChild): Promise<void> {
    try {
      for (const port of this.ports.values()) await waitForPort(port, 10_000, () => child.running);
    } catch (err) {
      throw new Error(`mosquitto did not start:\n${child.log.last()}`, { cause: err });
    }
  }

  protected removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function copyTree(from: string, to: string, include: (name: string) => boolean): void {
  for (const name of readdirSync(from)) {
    if (!include(name)) continue;
    const source = join(from, name);
    if (statSync(source).isDirectory()) {
      mkdirSync(join(to, name), { recursive: true });
      copyTree(source, join(to, name), () => true);
    } else {
      copyFileSync(source, join(to, name));
    }
  }
}
