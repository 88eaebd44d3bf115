import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { migrate, openDatabase, type DatabaseHandle, type SchemaPart } from '@premonitor/db';
import type { Logger } from '@premonitor/log';

/** A throwaway PostgreSQL database (`pm_bench_<random>`), migrated; `drop()` removes it. */
export class ScratchDatabase {
  private constructor(
    readonly handle: DatabaseHandle,
    readonly name: string,
    private readonly adminUrl: string,
  ) {}

  /** The database's URL (the admin URL with this database's name). */
  get url(): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.name}`;
    return url.toString();
  }

  /** Creates a database on the server of `adminUrl` (any database the user may connect to) and migrates `schema` (usually `PLATFORM_SCHEMA`). */
  static async create(adminUrl: string, logger: Logger, poolSize: number, schema: readonly SchemaPart[]): Promise<ScratchDatabase> {
    const name = `pm_bench_${randomBytes(4).toString('hex')}`;
    await withAdmin(adminUrl, (admin) => sql`create database ${sql.id(name)}`.execute(admin.db));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    let handle: DatabaseHandle | undefined;
    try {
      handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize, logger });
      await migrate(handle, { logger, schema });
      return new ScratchDatabase(handle, name, adminUrl);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await dropDatabase(adminUrl, name).catch(() => undefined);
      throw err;
    }
  }

  /** Closes the pool and drops the database (forcing out any connection left behind). */
  async drop(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await dropDatabase(this.adminUrl, this.name);
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db));
}

async function withAdmin<T>(adminUrl: string, use: (admin: DatabaseHandle) => Promise<T>): Promise<T> {
  const admin = await openDatabase({ kind: 'postgres', url: adminUrl, poolSize: 1, timescale: 'off' });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}
