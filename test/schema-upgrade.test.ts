// Tables belong to their modules: a database created by the single migration list of earlier
// versions (0001…0012, frozen in test/support/legacy-migrations) upgrades in place to the
// per-module schema with nothing lost, on PGlite and on PostgreSQL, and ends with the same
// tables, columns and indexes as a database created fresh.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { insertReadings, migrate, openDatabase, schemaMigrations, type DatabaseHandle } from '@premonitor/db';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { applyLegacyMigrations } from './support/legacy-migrations/apply-legacy.js';
import { LEGACY_MIGRATIONS } from './support/legacy-migrations/migration-list.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { pgliteTemplate } from './support/pglite-template.js';

const pg = await needService('postgres');
const ALL = schemaMigrations(PLATFORM_SCHEMA);
/** The migrations split from the legacy list (they name the one they replace); the rest (auth's tables, telemetry-scoring's, …) came after it and a legacy database gets them applied. */
const SPLIT = ALL.filter((m) => m.replaces !== undefined);
const AFTER_LEGACY = ALL.filter((m) => m.replaces === undefined).map((m) => m.name);
const T = new Date('2026-12-01T10:00:00.000Z');
const SHA = 'a'.repeat(64);

/** One row in a table of every owner, written under the legacy schema. */
async function insertRows(h: DatabaseHandle): Promise<void> {
  const { db } = h;
  await db.insertInto('devices').values({ id: 'plant-1/pump-7', site: 'plant-1', device: 'pump-7', first_seen: T, last_seen: T, online: true, status_changed_at: T, last_status: { state: 'online' }, last_seq: 42 }).execute();
  await db.insertInto('readings').values({ time: T, device_id: 'plant-1/pump-7', key: 'temperature', value: 71.5, seq: 42 }).execute();
  await sql`insert into telemetry_messages (device_id, seq, time) values ('plant-1/pump-7', 42, ${T})`.execute(db);
  await db.insertInto('dead_letters').values({ time: T, topic: 'premonitor/v1/plant-1/pump-7/telemetry', device_id: 'plant-1/pump-7', reason: 'invalid json', payload: new Uint8Array([1, 2, 3]), payload_bytes: 3, source: 'ingest' }).execute();
  await db.insertInto('models').values({ kind: 'acoustic', scope: '', version: 'v1', stage: 'production', sha256: SHA, size: 10, check_status: 'passed' }).execute();
  await db.insertInto('scores').values({ time: T, device_id: 'plant-1/pump-7', kind: 'acoustic', score: 0.9, model_version: 'v1', latency_ms: 3, seq: 42, reference: 'device' }).execute();
  const alert = await db
    .insertInto('alerts')
    .values({ device_id: 'plant-1/pump-7', site: 'plant-1', rule: 'acoustic-anomaly', severity: 'WARNING', title: 'acoustic anomaly', first_seen: T, last_seen: T })
    .returning('id')
    .executeTakeFirstOrThrow();
  const event = await db.insertInto('alert_events').values({ alert_id: alert.id, time: T, from_status: null, to_status: 'open', actor: 'fusion' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('alert_outbox').values({ event_id: event.id, subject: 'pm.alerts.plant-1.pump-7', payload: { n: 1 } }).execute();
  await db.insertInto('fusion_rules').values({ rule_id: 'acoustic-anomaly', definition: { threshold: 0.8 } }).execute();
  await db.insertInto('fusion_applied_events').values({ device_id: 'plant-1/pump-7', rule: 'acoustic-anomaly', source_event: 'e-1', applied_at: T }).execute();
  await db.insertInto('deliveries').values({ alert_id: alert.id, channel: 'ops', idempotency_key: 'k-1', attempt: 1, time: T, status: 'delivered', status_code: 200 }).execute();
  await db
    .insertInto('notification_outbox')
    .values({ channel: 'ops', idempotency_key: 'k-1', alert_id: String(alert.id), site: 'plant-1', device: 'pump-7', severity: 'WARNING', event: { to: 'open' }, status: 'delivered', next_attempt_at: T })
    .execute();
  await db.insertInto('forecasts').values({ time: T, device_id: 'plant-1/pump-7', key: 'temperature', step: 1, target_time: T, predicted: 72, model_version: 'f1', risk_level: 'low', risk_score: 0.1 }).execute();
  await db.insertInto('device_baselines').values({ device_id: 'plant-1/pump-7', kind: 'acoustic', model_version: 'v1', status: 'enrolling', method: 'mean', frames: 16, accepted: 3 }).execute();
}

/** `rows` with only the columns `like` has, table by table: columns added since the split are new on a legacy database. */
function withColumnsOf(rows: Record<string, unknown[]>, like: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(rows).map(([table, list]) => {
      const columns = Object.keys((like[table]?.[0] ?? {}) as object);
      return [table, list.map((row) => Object.fromEntries(Object.entries(row as object).filter(([k]) => columns.includes(k))))];
    }),
  );
}

/**
 * What {@link insertRows} wrote, read back table by table. `readings` is read as analysts do
 * (a table before ingest/0006, a view over `telemetry` after); `telemetry_messages`, the
 * dedup keys 0006 folded into `telemetry`, is checked by a redelivery instead.
 */
async function readRows(h: DatabaseHandle): Promise<Record<string, unknown[]>> {
  const tables = ['devices', 'readings', 'dead_letters', 'models', 'scores', 'alerts', 'alert_events', 'alert_outbox', 'fusion_rules', 'fusion_applied_events', 'deliveries', 'notification_outbox', 'forecasts', 'device_baselines'] as const;
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    // created_at / updated_at default to now(): compared as present, not by value.
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(h.db);
    out[table] = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, /^(created|updated|applied|started)_at$/.test(k) && k !== 'applied_at' ? v instanceof Date : v])));
  }
  return out;
}

/** Tables, columns with their types, and index definitions: the schema as the database has it. */
async function shape(h: DatabaseHandle): Promise<{ columns: string[]; indexes: string[]; views: string[] }> {
  const columns = await sql<{ c: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as c
      from information_schema.columns where table_schema = current_schema() order by 1`.execute(h.db);
  const indexes = await sql<{ d: string }>`select indexdef as d from pg_indexes where schemaname = current_schema() order by 1`.execute(h.db);
  const views = await sql<{ v: string }>`select table_name as v from information_schema.views where table_schema = current_schema() order by 1`.execute(h.db);
  return { columns: columns.rows.map((r) => r.c), indexes: indexes.rows.map((r) => r.d), views: views.rows.map((r) => r.v) };
}

interface Subject {
  readonly name: string;
  readonly skip: string | false;
  /** A new empty database. */
  open(): Promise<DatabaseHandle>;
  cleanUp(): Promise<void>;
}

function pgliteSubject(): Subject {
  const dirs: string[] = [];
  return {
    name: 'PGlite',
    skip: false,
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pm-schema-upgrade-'));
      dirs.push(dir);
      return openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    },
    cleanUp: async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}

function postgresSubject(): Subject {
  const drops: (() => Promise<void>)[] = [];
  return {
    name: 'PostgreSQL',
    skip: pg.skip,
    open: async () => {
      const throwaway = await createThrowawayDatabase(pg.url!, 'pm_schema_upgrade');
      drops.push(() => throwaway.drop());
      return openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2, timescale: 'off' });
    },
    cleanUp: async () => {
      for (const drop of drops) await drop();
    },
  };
}

for (const subject of [pgliteSubject(), postgresSubject()]) {
  describe(`schema upgrade from the single legacy list, ${subject.name}`, { skip: subject.skip, timeout: 300_000 }, () => {
    const handles: DatabaseHandle[] = [];
    const open = async () => {
      const h = await subject.open();
      handles.push(h);
      return h;
    };
    after(async () => {
      for (const h of handles) await h.close().catch(() => undefined);
      await subject.cleanUp();
    });
    // The schema of a database created fresh with the per-module schema, built once.
    let freshShape: ReturnType<typeof shape> | undefined;
    const fresh = () =>
      (freshShape ??= (async () => {
        const h = await open();
        await migrate(h, { schema: PLATFORM_SCHEMA });
        return shape(h);
      })());

    it('a database migrated by 0001…0012 with rows in every table upgrades in place: every legacy step adopted, only later migrations run, every row kept, the same schema as a fresh one', async () => {
      const legacy = await open();
      assert.equal((await applyLegacyMigrations(legacy)).length, 12);
      await insertRows(legacy);
      const before = await readRows(legacy);

      const report = await migrate(legacy, { schema: PLATFORM_SCHEMA });
      assert.deepEqual(report.applied, AFTER_LEGACY, 'only what came after the legacy list runs');
      assert.deepEqual(report.adopted, SPLIT.map((m) => m.name));
      assert.deepEqual(withColumnsOf(await readRows(legacy), before), before, 'every row kept (columns added since the split aside)');
      const redelivered = { time: T, device_id: 'plant-1/pump-7', key: 'temperature', value: 71.5, seq: 42 };
      assert.equal(await insertReadings(legacy.db, [redelivered]), 0, 'a message stored before the upgrade is still a duplicate');
      assert.equal(await insertReadings(legacy.db, [{ ...redelivered, seq: 43 }]), 1);
      const again = await migrate(legacy, { schema: PLATFORM_SCHEMA });
      assert.deepEqual([again.applied, again.adopted], [[], []]);

      assert.deepEqual(await shape(legacy), await fresh());
    });

    it('a database last migrated at 0008 adopts what it has and applies the rest, reaching the same schema', async () => {
      const old = await open();
      const had = await applyLegacyMigrations(old, 8);
      await old.db.insertInto('devices').values({ id: 'a/b', site: 'a', device: 'b', first_seen: T, last_seen: T, online: false, status_changed_at: T }).execute();
      const report = await migrate(old, { schema: PLATFORM_SCHEMA });
      const fromOld = ALL.filter((m) => m.replaces && had.includes(m.replaces)).map((m) => m.name);
      assert.deepEqual(report.adopted, fromOld);
      assert.deepEqual(report.applied, ALL.filter((m) => !fromOld.includes(m.name)).map((m) => m.name));
      assert.deepEqual(report.applied.filter((n) => !AFTER_LEGACY.includes(n)), ['core/0003_dead_letter_source', 'fusion/0004_applied_events', 'inference/0002_device_baselines', 'registry/0002_model_checks']);
      assert.deepEqual(report.applied.filter((n) => AFTER_LEGACY.includes(n)).sort(), [...AFTER_LEGACY].sort());
      assert.equal((await old.db.selectFrom('devices').select('id').execute()).length, 1);
      assert.deepEqual(await shape(old), await fresh());
    });
  });
}

describe('the per-module schema', () => {
  it('covers every legacy migration and every statement of it exactly once', () => {
    const legacy = LEGACY_MIGRATIONS.flatMap((m) => m.statements.map((s) => `${m.name}: ${s}`)).sort();
    const split = SPLIT.flatMap((m) => m.statements.map((s) => `${m.replaces}: ${s}`)).sort();
    assert.deepEqual(split, legacy);
  });

  it('names are unique, prefixed by their owner and sorted within it, and every statement is one idempotent statement', () => {
    const names = ALL.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const part of PLATFORM_SCHEMA) {
      const own = part.migrations.map((m) => m.name);
      assert.deepEqual([...own].sort(), own, part.owner);
    }
    for (const migration of ALL) {
      for (const statement of migration.statements) {
        const text = statement.trim().toLowerCase();
        // A `do $$ … $$` block is one statement; its body's semicolons are PL/pgSQL's.
        assert.ok(!text.replace(/\$\$[\s\S]*\$\$/g, '').replace(/'[^']*'/g, '').includes(';'), `${migration.name}: one statement at a time`);
        // Besides `create … if not exists` / `or replace`, forms that are harmless when re-run:
        // adding a column or dropping a constraint `if (not) exists`, and a backfill that skips
        // what is already there; a `do` block that checks before it creates (the read-only role).
        assert.match(
          text,
          /^do \$\$[\s\S]*if not exists[\s\S]*\$\$$|^create (table|unique index|index) if not exists|^create or replace view|^alter table \w+ drop constraint if exists \w+$|^alter table \w+ add column if not exists \w+ [a-z ]+$|^insert into [\s\S]+ on conflict do nothing$/,
          `${migration.name}: ${text.slice(0, 60)}`,
        );
      }
    }
  });
});
