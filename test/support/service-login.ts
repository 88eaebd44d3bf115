import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
