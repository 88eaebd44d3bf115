import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ManagedChild } from './managed-child.js';
import { freePort } from './net.js';
import { RestartableServer } from './restartable-server.js';

/** Where Debian's PostgreSQL 15 keeps initdb and postgres; override with `PM_PG_BIN`. */
const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

/** How to run a private PostgreSQL. */
export interface PostgresOptions {
  /** A cluster made by `PostgresProcess.initTemplate`, copied instead of running initdb again. */
  readonly template?: string;
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * A private PostgreSQL cluster (initdb into a temp folder, the server on a free port of
 * 127.0.0.1, trust authentication) that can be stopped and started on demand. The server is
 * run directly (not through pg_ctl, which detaches it), so it stays this process's child and
 * dies with it. As root the cluster belongs to the `postgres` user, since PostgreSQL refuses
 * to run as root.
 *
 * Durability settings: `fsync=off` — a stop here is a clean or fast shutdown, never a power
 * cut, so flushing to the disk would only slow a machine shared with other work.
 */
export class PostgresProcess extends RestartableServer {
  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly settings: Readonly<Record<string, string>>,
  ) {
    super(PostgresProcess.#spawn(dir, port, settings));
  }

  /** Runs initdb once into `dir` (which must not exist yet), for `start({ template })`. */
  static initTemplate(dir: string): void {
    const owner = clusterOwner();
    execFileSync('mkdir', ['-p', dir]);
    if (owner) execFileSync('chown', [`${owner.uid}:${owner.gid}`, dir]);
    execFileSync(join(pgBin(), 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
      stdio: 'pipe',
      uid: owner?.uid,
      gid: owner?.gid,
    });
  }

  static async start(options: PostgresOptions = {}): Promise<PostgresProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'pm-postgres-'));
    try {
      if (options.template) {
        cpSync(options.template, dir, { recursive: true, preserveTimestamps: true });
        const owner = clusterOwner();
        if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
      } else {
        rmSync(dir, { recursive: true, force: true });
        PostgresProcess.initTemplate(dir);
      }
      const port = await freePort();
      const settings = { fsync: 'off', full_page_writes: 'off', max_connections: '200', shared_buffers: '32MB', ...options.settings };
      const postgres = new PostgresProcess(dir, port, settings);
      await postgres.ready();
      return postgres;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  static #spawn(dir: string, port: number, settings: Readonly<Record<string, string>>): ManagedChild {
    const owner = clusterOwner();
    const args = ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    return new ManagedChild({ command: join(pgBin(), 'postgres'), args, uid: owner?.uid, gid: owner?.gid, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' } });
  }

  /** URL of database `name` (default `postgres`) as the superuser. */
  url(name = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Creates an empty database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database "${name.replaceAll('"', '""')}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** A fast shutdown (as `pg_ctl stop -m fast`): open transactions are rolled back and clients disconnected. */
  protected override get stopSignal(): NodeJS.Signals {
    return 'SIGINT';
  }

  protected spawn(): ManagedChild {
    return PostgresProcess.#spawn(this.dir, this.port, this.settings);
  }

  protected async waitReady(child: ManagedChild): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last: unknown;
    while (Date.now() < deadline && child.running) {
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (err) {
        last = err;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`postgres did not start: ${String(last)}\n${child.log.last()}`);
  }

  protected removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function pgBin(): string {
  const bin = process.env.PM_PG_BIN ?? DEFAULT_PG_BIN;
  if (!existsSync(join(bin, 'postgres'))) throw new Error(`no PostgreSQL server in ${bin} (apt install postgresql-15, or set PM_PG_BIN)`);
  return bin;
}

/** The `postgres` account when running as root (PostgreSQL will not run as root); undefined otherwise. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('running as root but there is no `postgres` user to own the cluster');
  return { uid, gid };
}
