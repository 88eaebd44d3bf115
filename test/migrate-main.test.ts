// The migrations entry point the Kubernetes Job runs (services/platform/dist/migrate-main.js):
// migrates every module's tables into DATABASE_URL and exits 0; a second run finds nothing to do;
// an unreachable database exits 1 with one line that says what to check.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { schemaMigrations } from '@premonitor/db';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';

const postgres = await needService('postgres');
const MAIN = 'services/platform/dist/migrate-main.js';

describe('migrate-main (the migrations Job)', { skip: postgres.skip, timeout: 120_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> } | undefined;
  after(async () => throwaway?.drop());

  it('migrates every table once, then finds nothing to do', async () => {
    throwaway = await createThrowawayDatabase(postgres.url!, 'pm_migrate_main');
    const first = NodeProcess.start(MAIN, { DATABASE_URL: throwaway.url });
    assert.equal((await first.exited).code, 0, first.output);
    const summary = first.stdout.split('\n').find((line) => line.includes('"msg":"database migrated"'));
    assert.ok(summary, first.output);
    assert.deepEqual((JSON.parse(summary) as { applied: string[] }).applied, schemaMigrations(PLATFORM_SCHEMA).map((m) => m.name));
    const client = new pg.Client({ connectionString: throwaway.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('readings', 'alerts', 'notification_outbox', 'models', 'forecasts', 'scores')`);
      assert.equal(rows[0]!.n, 6);
    } finally {
      await client.end();
    }
    const second = NodeProcess.start(MAIN, { DATABASE_URL: throwaway.url });
    assert.equal((await second.exited).code, 0, second.output);
    assert.match(second.stdout, /"applied":\[\],"adopted":\[\]/);
  });

  it('exits 1 naming the database it could not reach', async () => {
    const url = new URL(postgres.url!);
    url.pathname = '/pm_migrate_main_missing';
    const p = NodeProcess.start(MAIN, { DATABASE_URL: url.toString() });
    assert.equal((await p.exited).code, 1);
    assert.match(p.stderr, /migration failed: cannot connect to PostgreSQL at .*pm_migrate_main_missing/);
  });
});
