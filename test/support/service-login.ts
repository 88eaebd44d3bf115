import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { createThrowawayDatabase } from './throwaway-postgres.js';

/**
 * A login role that is a member of a service's group role (`SERVICE_ROLES` in @premonitor/db),
 * as an operator creates one per service, and the URL of `databaseUrl` as that login: a
 * service process started with it (and DATABASE_MIGRATE=off) has only its role's grants.
 * Roles are server-wide: `drop()` removes it again.
 */
export async function createServiceLogin(databaseUrl: string, role: string): Promise<{ url: string; drop(): Promise<void> }> {
  const login = `${role}_t${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const run = async (query: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  await run(`create role ${login} login password '${password}' in role ${role}`);
  const url = new URL(databaseUrl);
  url.username = login;
  url.password = password;
  return {
    url: url.toString(),
    drop: () => run(`drop role if exists ${login}`),
  };
}

/** A throwaway database with the platform schema and a login of one service's role on it. */
export interface RoleDatabase {
  /** The database as its owner (the test's own reads and writes). */
  readonly db: DatabaseHandle;
  /** The URL the service processes connect with, as that role. */
  readonly loginUrl: string;
  /** Drops the login, closes the owner's pool and drops the database. */
  drop(): Promise<void>;
}

/** What every replicas test starts from: `name`'s throwaway database, migrated, and a login of `role`. */
export async function createRoleDatabase(postgresUrl: string, name: string, role: string, logger: Logger): Promise<RoleDatabase> {
  const throwaway = await createThrowawayDatabase(postgresUrl, name);
  const db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2 });
  await migrate(db, { logger, schema: PLATFORM_SCHEMA });
  const login = await createServiceLogin(throwaway.url, role);
  return {
    db,
    loginUrl: login.url,
    drop: async () => {
      await login.drop();
      await db.close();
      await throwaway.drop();
    },
  };
}
