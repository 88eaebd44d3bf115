// The migrations entry point the Kubernetes Job runs (services/platform/dist/migrate-main.js):
// migrates every module's tables into DATABASE_URL and exits 0; a second run finds nothing to do;
// it creates the services' logins it is given passwords for; an unreachable database exits 1
// with one line that says what to check.
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

  it('creates the login of each service given a password (SERVICE_DB_PASSWORD_<SERVICE>, hyphens as underscores), with its role’s grants only', async () => {
    assert.ok(throwaway, 'migrated by the test before');
    const logins = ['premonitor_telemetry_scoring_login', 'premonitor_model_sync_login'];
    const p = NodeProcess.start(MAIN, { DATABASE_URL: throwaway.url, SERVICE_DB_PASSWORD_TELEMETRY_SCORING: 'ts-password-1', SERVICE_DB_PASSWORD_MODEL_SYNC: 'ms-password-1' });
    try {
      assert.equal((await p.exited).code, 0, p.output);
      assert.match(p.stdout, /"logins":\["premonitor_telemetry_scoring_login","premonitor_model_sync_login"\]/);
      const asLogin = async (login: string, password: string, query: string) => {
        const url = new URL(throwaway!.url);
        url.username = login;
        url.password = password;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          await client.query(query);
          return 'ok';
        } catch (err) {
          return (err as { code?: string }).code ?? String(err);
        } finally {
          await client.end();
        }
      };
      assert.equal(await asLogin(logins[0]!, 'ts-password-1', 'select * from telemetry_models limit 1'), 'ok');
      assert.equal(await asLogin(logins[0]!, 'ts-password-1', 'select * from readings limit 1'), '42501');
      assert.equal(await asLogin(logins[1]!, 'ms-password-1', 'select * from devices limit 1'), 'ok');
      assert.equal(await asLogin(logins[1]!, 'ms-password-1', 'delete from models'), '42501');
    } finally {
      const client = new pg.Client({ connectionString: throwaway.url });
      await client.connect();
      try {
        for (const login of logins) await client.query(`drop role if exists ${login}`);
      } finally {
        await client.end();
      }
    }
  });

  it('exits 1 naming the database it could not reach', async () => {
    const url = new URL(postgres.url!);
    url.pathname = '/pm_migrate_main_missing';
    const p = NodeProcess.start(MAIN, { DATABASE_URL: url.toString() });
    assert.equal((await p.exited).code, 1);
    assert.match(p.stderr, /migration failed: cannot connect to PostgreSQL at .*pm_migrate_main_missing/);
  });
});
