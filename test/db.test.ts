import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import {
  DatabaseConnectionError,
  insertReadings,
  migrate,
  schemaMigrations,
  openDatabase,
  recordDeadLetter,
  recordDeadLetters,
  pruneDeadLetters,
  type DatabaseHandle,
  type NewReading,
} from '@premonitor/db';
import { needService } from './support/real-services.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

/** Every migration of the platform's schema, in the order `migrate` applies them. */
const ALL_MIGRATIONS = schemaMigrations(PLATFORM_SCHEMA).map((m) => m.name);

/** One database implementation under the contract. */
interface Subject {
  readonly name: string;
  readonly skip: string | false;
  /** Prepares storage for the suite (a temp folder, a throwaway database). */
  setUp(): Promise<void>;
  /** Opens the suite's database; calling it again after close reopens the same data. */
  open(): Promise<DatabaseHandle>;
  /** Two handles onto a fresh, empty database, as two starting services would have. */
  openTwoStarters(): Promise<{ first: DatabaseHandle; second: DatabaseHandle; dispose(): Promise<void> }>;
  tearDown(): Promise<void>;
}

function pgliteSubject(): Subject {
  const folders: string[] = [];
  let dataDir = '';
  return {
    name: 'PGlite',
    skip: false,
    async setUp() {
      dataDir = await mkdtemp(join(tmpdir(), 'pm-db-'));
      folders.push(dataDir);
    },
    open: () => openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir }),
    async openTwoStarters() {
      // PGlite is one process's database: two starters share the one handle.
      const folder = await mkdtemp(join(tmpdir(), 'pm-db-'));
      folders.push(folder);
      const handle = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: folder });
      return { first: handle, second: handle, dispose: () => handle.close() };
    },
    async tearDown() {
      await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
    },
  };
}

const pgService = await needService('postgres');

function postgresSubject(baseUrl: string | undefined, skip: string | false): Subject {
  const created: string[] = [];
  let suiteUrl = '';
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  // A throwaway database per run (and per fresh need) so parallel runs never collide.
  const createDatabase = async (): Promise<string> => {
    const name = `pm_test_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`create database ${name}`));
    created.push(name);
    const url = new URL(baseUrl ?? '');
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    name: 'PostgreSQL',
    skip,
    async setUp() {
      suiteUrl = await createDatabase();
    },
    open: () => openDatabase({ kind: 'postgres', url: suiteUrl, poolSize: 4 }),
    async openTwoStarters() {
      const url = await createDatabase();
      const first = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
      const second = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
      return { first, second, dispose: async () => void (await Promise.all([first.close(), second.close()])) };
    },
    async tearDown() {
      if (created.length === 0) return;
      await admin(async (c) => {
        for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

function readingsBatch(device: string, count: number, start = 0): NewReading[] {
  const base = Date.UTC(2025, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    time: new Date(base + (start + i) * 1000),
    device_id: device,
    key: (start + i) % 2 === 0 ? 'temperature' : 'pressure',
    value: Math.sin(start + i),
    seq: start + i,
  }));
}

async function count(handle: DatabaseHandle, table: 'readings' | 'dead_letters', where?: string): Promise<number> {
  const query = handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  const row = await (where && table === 'readings' ? query.where('device_id', '=', where) : query).executeTakeFirstOrThrow();
  return row.n;
}

function contract(subject: Subject): void {
  describe(`database contract: ${subject.name}`, { skip: subject.skip }, () => {
    let handle: DatabaseHandle;

    before(async () => {
      await subject.setUp();
      handle = await subject.open();
    });

    after(async () => {
      await handle?.close();
      await subject.tearDown();
    });

    it('applies every migration on an empty database, and a second run is a no-op', async () => {
      const first = await migrate(handle, { schema: PLATFORM_SCHEMA });
      assert.deepEqual(first.applied, ALL_MIGRATIONS);
      assert.equal(first.timescale, false);
      const second = await migrate(handle, { schema: PLATFORM_SCHEMA });
      assert.deepEqual(second.applied, []);
      assert.deepEqual(second.skipped, ALL_MIGRATIONS);
      const recorded = await handle.db.selectFrom('schema_migrations').select('name').orderBy('name').execute();
      assert.deepEqual(recorded.map((r) => r.name), [...ALL_MIGRATIONS].sort());
    });

    it('lets two starters migrate the same empty database at once, applying each migration once', async () => {
      const { first, second, dispose } = await subject.openTwoStarters();
      try {
        const [a, b] = await Promise.all([migrate(first, { schema: PLATFORM_SCHEMA }), migrate(second, { schema: PLATFORM_SCHEMA })]);
        assert.deepEqual([...a.applied, ...b.applied].sort(), [...ALL_MIGRATIONS].sort());
        const recorded = await first.db.selectFrom('schema_migrations').select('name').execute();
        assert.equal(recorded.length, ALL_MIGRATIONS.length);
      } finally {
        await dispose();
      }
    });

    it('returns int8 as numbers, timestamptz as Dates, jsonb as objects and bytea as bytes', async () => {
      const seen = new Date('2025-03-01T12:00:00.123Z');
      await handle.db
        .insertInto('devices')
        .values({ id: 'plant-1/pump-1', site: 'plant-1', device: 'pump-1', first_seen: seen, last_seen: seen, online: true, status_changed_at: seen, last_status: { agent: '1.0', queue: 3 }, last_seq: 41 })
        .execute();
      const device = await handle.db.selectFrom('devices').selectAll().where('id', '=', 'plant-1/pump-1').executeTakeFirstOrThrow();
      assert.equal(device.last_seq, 41);
      assert.ok(device.last_seen instanceof Date);
      assert.equal(device.last_seen.getTime(), seen.getTime());
      assert.deepEqual(device.last_status, { agent: '1.0', queue: 3 });
      const id = await recordDeadLetter(handle.db, { topic: 't', reason: 'r', payload: new Uint8Array([0, 255, 10]) });
      assert.equal(typeof id, 'number');
      const letter = await handle.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([...letter.payload], [0, 255, 10]);
      await handle.db.deleteFrom('dead_letters').execute();
    });

    it('stores a bulk batch once: a replayed batch adds no rows, a partly new one counts only the new', async (t: TestContext) => {
      const batch = readingsBatch('plant-1/pump-1', 10_000);
      assert.equal(await insertReadings(handle.db, batch), 10_000);
      assert.equal(await insertReadings(handle.db, batch), 0);
      assert.equal(await count(handle, 'readings', 'plant-1/pump-1'), 10_000);
      const overlapping = readingsBatch('plant-1/pump-1', 1_000, 9_500);
      assert.equal(await insertReadings(handle.db, overlapping), 500);
      assert.equal(await count(handle, 'readings', 'plant-1/pump-1'), 10_500);
      assert.equal(await insertReadings(handle.db, []), 0);
      const stored = await handle.db.selectFrom('readings').selectAll().where('device_id', '=', 'plant-1/pump-1').where('seq', '=', 3).executeTakeFirstOrThrow();
      assert.deepEqual(stored, batch[3]);
      t.diagnostic(`${subject.name}: ${await insertRate(handle)}`);
    });

    it('stores one message as one telemetry row and reads every key back through the view, whatever its characters', async () => {
      const keys = ['temperature', 'Temperature (°C)', 'p_in[bar]', 'a,b', '{x}', 'say "hi"', 'back\\slash', 'NULL', 'null', ' ', 'Druck µbar'];
      const time = new Date('2025-02-01T00:00:00.125Z');
      const rows = keys.map((key, i) => ({ time, device_id: 'plant-1/odd-keys', key, value: i === 0 ? -0.5 : i * 1e-7, seq: 1 }));
      assert.equal(await insertReadings(handle.db, rows), keys.length);
      const message = await handle.db.selectFrom('telemetry').selectAll().where('device_id', '=', 'plant-1/odd-keys').execute();
      assert.deepEqual(message, [{ time, device_id: 'plant-1/odd-keys', seq: 1, keys, vals: rows.map((r) => r.value) }]);
      const back = await handle.db.selectFrom('readings').selectAll().where('device_id', '=', 'plant-1/odd-keys').execute();
      assert.deepEqual(back, rows);
      await handle.db.deleteFrom('telemetry').where('device_id', '=', 'plant-1/odd-keys').execute();
    });

    it('keeps at most the bound of a dead-letter payload, with its original size', async () => {
      const big = new Uint8Array(100 * 1024).fill(0x41);
      const id = await recordDeadLetter(handle.db, { topic: 'premonitor/v1/plant-1/pump-1/telemetry', deviceId: 'plant-1/pump-1', reason: 'payload too large', payload: big });
      const row = await handle.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.payload.byteLength, 64 * 1024);
      assert.equal(row.payload_bytes, 100 * 1024);
      assert.equal(row.device_id, 'plant-1/pump-1');
      assert.ok(row.time instanceof Date);

      const written = await recordDeadLetters(
        handle.db,
        [
          { topic: 'x', reason: 'malformed JSON', payload: '{"t":' },
          { topic: 'y', deviceId: 'a/b', reason: 'NaN value', payload: new Uint8Array(300).fill(1), time: new Date('2025-01-01T00:00:00Z') },
        ],
        { maxPayloadBytes: 100 },
      );
      assert.equal(written, 2);
      const rows = await handle.db.selectFrom('dead_letters').selectAll().where('topic', 'in', ['x', 'y']).orderBy('topic').execute();
      assert.deepEqual(rows.map((r) => [Buffer.from(r.payload).toString('latin1').slice(0, 5), r.payload.byteLength, r.payload_bytes, r.device_id]), [
        ['{"t":', 5, 5, null],
        ['\x01\x01\x01\x01\x01', 100, 300, 'a/b'],
      ]);
      assert.equal(rows[1]?.time.toISOString(), '2025-01-01T00:00:00.000Z');
    });

    it('stores NUL, lone surrogates and control characters in dead-letter text visibly, never failing the write', async () => {
      const id = await recordDeadLetter(handle.db, {
        topic: 'premonitor/v1/s/d/status\u0000',
        deviceId: 's/d',
        reason: 'malformed JSON: Unexpected token \u0000, "\u0000" is not valid JSON; lone \ud800; bell \u0007',
        payload: new Uint8Array([0]),
        source: 'ingest',
      });
      const row = await handle.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.reason, 'malformed JSON: Unexpected token \\u0000, "\\u0000" is not valid JSON; lone \\ud800; bell \u0007');
      assert.equal(row.topic, 'premonitor/v1/s/d/status\\u0000');
      assert.equal(row.source, 'ingest');
      await handle.db.deleteFrom('dead_letters').where('id', '=', id).execute();
    });

    it('prunes dead letters past retention, oldest first, in bounded batches', async () => {
      const old = new Date(Date.now() - 40 * 86_400_000);
      const young = new Date(Date.now() - 10 * 86_400_000);
      const entries = [
        ...Array.from({ length: 25 }, (_, i) => ({ topic: 'prune-old', reason: 'r', payload: new Uint8Array([i]), time: old })),
        ...Array.from({ length: 3 }, () => ({ topic: 'prune-young', reason: 'r', payload: new Uint8Array(0), time: young })),
      ];
      await recordDeadLetters(handle.db, entries);
      const cutoff = new Date(Date.now() - 30 * 86_400_000);
      assert.equal(await pruneDeadLetters(handle.db, { olderThan: cutoff, batchSize: 10, maxBatches: 2 }), 20, 'at most 2 batches of 10 per call');
      // The rest of ours, and any older dead letter an earlier test left (one from 2025).
      assert.ok((await pruneDeadLetters(handle.db, { olderThan: cutoff, batchSize: 10 })) >= 5);
      assert.equal(await pruneDeadLetters(handle.db, { olderThan: cutoff, batchSize: 10 }), 0);
      const left = await handle.db.selectFrom('dead_letters').select('topic').where('topic', 'in', ['prune-old', 'prune-young']).execute();
      assert.deepEqual(left.map((r) => r.topic), ['prune-young', 'prune-young', 'prune-young']);
      await handle.db.deleteFrom('dead_letters').where('topic', '=', 'prune-young').execute();
    });

    it('serves the analyst views with recent readings and dead letters per device', async () => {
      const now = Date.now();
      const recent = Array.from({ length: 5 }, (_, i) => ({ time: new Date(now - i * 60_000), device_id: 'plant-1/pump-1', key: 'vibration', value: i, seq: 100_000 + i }));
      await insertReadings(handle.db, recent);
      const health = await handle.db.selectFrom('v_device_health').selectAll().execute();
      assert.equal(health.length, 1);
      assert.equal(health[0]?.device_id, 'plant-1/pump-1');
      assert.equal(health[0]?.online, true);
      assert.equal(health[0]?.readings_last_hour, 5);
      assert.equal(health[0]?.dead_letters_24h, 1);
      const reasons = await handle.db.selectFrom('v_dead_letters_daily').selectAll().execute();
      assert.ok(reasons.some((r) => r.reason === 'payload too large' && r.bytes === 100 * 1024));
      await handle.db
        .insertInto('alerts')
        .values({ device_id: 'plant-1/pump-1', site: 'plant-1', rule: 'acoustic', severity: 'CRITICAL', title: 'acoustic anomaly', first_seen: new Date(), last_seen: new Date() })
        .execute();
      const daily = await handle.db.selectFrom('v_alerts_daily').selectAll().execute();
      assert.deepEqual(daily.map((d) => [d.site, d.severity, d.opened, d.still_open]), [['plant-1', 'CRITICAL', 1, 1]]);
    });

    it('refuses a second open alert for the same device and rule, and a second production model', async () => {
      const alert = { device_id: 'plant-1/pump-1', site: 'plant-1', rule: 'acoustic', severity: 'WARNING' as const, title: 'again', first_seen: new Date(), last_seen: new Date() };
      await assert.rejects(handle.db.insertInto('alerts').values(alert).execute(), /alerts_one_active/);
      const model = { kind: 'acoustic', stage: 'production' as const, sha256: 'a'.repeat(64), size: 10, metrics: {}, metadata: {} };
      await handle.db.insertInto('models').values({ ...model, version: '1' }).execute();
      await assert.rejects(handle.db.insertInto('models').values({ ...model, version: '2' }).execute(), /models_one_production/);
      await assert.rejects(handle.db.insertInto('models').values({ ...model, version: '3', stage: 'retired' as 'archived' }).execute(), /check constraint/);
    });

    it('rolls a failed transaction back and keeps serving queries', async () => {
      await assert.rejects(
        handle.db.transaction().execute(async (trx) => {
          await insertReadings(trx, readingsBatch('plant-9/tx', 3));
          await sql`select 1 / 0`.execute(trx);
        }),
        /division by zero/,
      );
      assert.equal(await count(handle, 'readings', 'plant-9/tx'), 0);
      assert.equal(await handle.ping(), true);
    });

    it('keeps the data when the database is closed and opened again', async () => {
      const before = await count(handle, 'readings');
      await handle.close();
      assert.equal(await handle.ping(), false);
      handle = await subject.open();
      assert.equal(await count(handle, 'readings'), before);
      assert.deepEqual((await migrate(handle, { schema: PLATFORM_SCHEMA })).applied, []);
    });
  });
}

/**
 * Insert rate of the unnest statement for fresh 10,000-row batches (median of 5, after one
 * warm-up), next to plain one-row-per-statement inserts for scale.
 */
async function insertRate(handle: DatabaseHandle): Promise<string> {
  const rows = 10_000;
  await insertReadings(handle.db, readingsBatch('bench/warmup', rows));
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const batch = readingsBatch(`bench/run-${run}`, rows);
    const started = performance.now();
    assert.equal(await insertReadings(handle.db, batch), rows);
    rates.push(rows / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  const single = readingsBatch('bench/single', 1_000);
  const started = performance.now();
  for (const row of single) {
    await handle.db
      .insertInto('telemetry')
      .values({ time: row.time, device_id: row.device_id, seq: row.seq, keys: [row.key], vals: [row.value] })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const singleRate = single.length / ((performance.now() - started) / 1000);
  await handle.db.deleteFrom('telemetry').where('device_id', 'like', 'bench/%').execute();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return `unnest insert of 10,000 rows: median ${fmt(rates[2]!)} rows/s (min ${fmt(rates[0]!)}, max ${fmt(rates[4]!)}); one row per statement: ${fmt(singleRate)} rows/s`;
}

contract(pgliteSubject());
contract(postgresSubject(pgService.url, pgService.skip));

describe('openDatabase failures', () => {
  it('names the URL with the password masked and says what to check', async () => {
    const error = await openDatabase({ kind: 'postgres', url: 'postgres://pm:s3cret@127.0.0.1:1/premonitor' }).then(
      () => assert.fail('expected the connection to fail'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof DatabaseConnectionError);
    assert.match(error.message, /postgres:\/\/pm:\*\*\*@127\.0\.0\.1:1\/premonitor/);
    assert.match(error.message, /Check that the server is running/);
    assert.ok(!error.message.includes('s3cret'));
    assert.ok(error.cause);
  });
});

describe('a PGlite database made from a template', () => {
  it('is a copy of the empty database instead of an initdb, independent of the template and of other copies', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pm-db-template-'));
    try {
      // The template as the test runner makes it: PGlite created it, closed it, nothing else.
      const seed = await openDatabase({ kind: 'pglite', dataDir: join(root, 'template') });
      await seed.close();
      const a = await openDatabase({ kind: 'pglite', template: join(root, 'template'), dataDir: join(root, 'a') });
      await sql`create table marker (v text)`.execute(a.db);
      await sql`insert into marker values ('copy a')`.execute(a.db);
      await a.close();
      const b = await openDatabase({ kind: 'pglite', template: join(root, 'template'), dataDir: join(root, 'b') });
      const tables = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = 'public'`.execute(b.db);
      assert.equal(tables.rows[0]?.n, 0, 'the second copy saw the first copy\'s tables: the template was written to');
      await b.close();
      // The first copy keeps its own data across a reopen (the template is not consulted again).
      const again = await openDatabase({ kind: 'pglite', template: join(root, 'template'), dataDir: join(root, 'a') });
      const rows = await sql<{ v: string }>`select v from marker`.execute(again.db);
      assert.deepEqual(rows.rows.map((r) => r.v), ['copy a']);
      await again.close();
      assert.ok(!existsSync(join(root, 'a.init')) && !existsSync(join(root, 'b.init')), 'a staging folder was left behind');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a template folder that holds no database, saying so, and leaves no database behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pm-db-template-'));
    try {
      const error = await openDatabase({ kind: 'pglite', template: root, dataDir: join(root, 'db') }).then(
        () => assert.fail('expected the open to fail'),
        (err: unknown) => err,
      );
      assert.ok(error instanceof DatabaseConnectionError);
      assert.match(error.message, /template .* holds no database/);
      assert.ok(!existsSync(join(root, 'db')));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
