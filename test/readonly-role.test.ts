// The read-only role for Grafana and analysts (core/0004_readonly_role): after migrating, a
// session in the role reads every table and analyst view and can change nothing — on a real
// PostgreSQL and on PGlite (embedded mode's database).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { READONLY_ROLE, migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { pgliteTemplate } from './support/pglite-template.js';

const pg = await needService('postgres');

/** Runs `body` as the read-only role inside a transaction that is rolled back. */
async function asReadonly<T>(h: DatabaseHandle, body: (run: (query: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await h.db
    .transaction()
    .execute(async (tx) => {
      await sql.raw(`set local role ${READONLY_ROLE}`).execute(tx);
      result = await body((query) => sql.raw(query).execute(tx));
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return result as T;
}

class Rollback extends Error {}

async function checkReadonly(h: DatabaseHandle): Promise<void> {
  await migrate(h, { schema: PLATFORM_SCHEMA });
  await h.db.insertInto('devices').values({ id: 'plant-1/pump-7', site: 'plant-1', device: 'pump-7', first_seen: new Date(), last_seen: new Date(), online: true, status_changed_at: new Date() }).execute();
  const reads = await asReadonly(h, async (run) => {
    const out: string[] = [];
    for (const relation of ['v_device_health', 'v_alerts_daily', 'v_dead_letters_daily', 'readings', 'scores', 'alerts', 'alert_events', 'dead_letters', 'devices']) {
      await run(`select * from ${relation} limit 1`);
      out.push(relation);
    }
    return out;
  });
  assert.equal(reads.length, 9);
  for (const write of ["insert into alerts (device_id, site, rule, severity, title, first_seen, last_seen) values ('a/b', 'a', 'r', 'INFO', 't', now(), now())", 'delete from devices', "update devices set online = false"]) {
    await assert.rejects(
      asReadonly(h, (run) => run(write)),
      (err: { code?: string }) => err.code === '42501',
      `${write} should be refused to ${READONLY_ROLE}`,
    );
  }
}

describe('read-only role, PostgreSQL', { skip: pg.skip, timeout: 120_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> } | undefined;
  let h: DatabaseHandle | undefined;
  after(async () => {
    await h?.close();
    await throwaway?.drop();
  });
  it('reads every table and view and changes nothing', async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_readonly');
    h = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2, timescale: 'off' });
    await checkReadonly(h);
  });
});

describe('read-only role, PGlite', { timeout: 120_000 }, () => {
  let dir: string | undefined;
  let h: DatabaseHandle | undefined;
  after(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  it('reads every table and view and changes nothing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-readonly-'));
    h = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await checkReadonly(h);
  });
});
