import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Retention and compression of the time-series tables when TimescaleDB is present. */
export interface TimescaleOptions {
  /** Days of readings kept (default 90); `null` keeps them forever. */
  readonly readingsRetentionDays?: number | null;
  /** Days of scores kept (default 90); `null` keeps them forever. */
  readonly scoresRetentionDays?: number | null;
  /** Days of forecasts kept (default 30); `null` keeps them forever. */
  readonly forecastsRetentionDays?: number | null;
  /** Chunks older than this many days are compressed (default 7). */
  readonly compressAfterDays?: number;
}

/** How one table becomes a hypertable. */
export interface HypertablePlan {
  readonly table: 'telemetry' | 'scores' | 'forecasts';
  readonly chunkDays: number;
  readonly segmentBy: string;
  readonly orderBy: string;
  readonly compressAfterDays: number;
  readonly retentionDays: number | null;
}

// dead_letters stays a plain table: its bigserial primary key would have to include `time`
// to become a hypertable, it is low-volume, and an operator wants every rejected message
// until someone has looked at it.
/** The hypertables to create, with the defaults applied and every number validated. */
export function hypertablePlans(options: TimescaleOptions = {}): HypertablePlan[] {
  const compressAfterDays = days('compressAfterDays', options.compressAfterDays ?? 7);
  const retention = (name: string, value: number | null | undefined, fallback: number) =>
    value === null ? null : days(name, value ?? fallback);
  // segmentby + orderby cover every column of the table's dedup key: TimescaleDB then checks
  // `on conflict` against compressed chunks per segment instead of decompressing them, and
  // warns otherwise. A day of 1 Hz data per (device, key) is ~86k rows, plenty per segment.
  const readingsRetention = retention('readingsRetentionDays', options.readingsRetentionDays, 90);
  return [
    // One row per message (the view `readings` unnests it): its primary key is the dedup key.
    { table: 'telemetry', chunkDays: 1, segmentBy: 'device_id', orderBy: 'time desc, seq', compressAfterDays, retentionDays: readingsRetention },
    { table: 'scores', chunkDays: 1, segmentBy: 'device_id, kind', orderBy: 'time desc, seq', compressAfterDays, retentionDays: retention('scoresRetentionDays', options.scoresRetentionDays, 90) },
    { table: 'forecasts', chunkDays: 7, segmentBy: 'device_id, key', orderBy: 'time desc, step', compressAfterDays, retentionDays: retention('forecastsRetentionDays', options.forecastsRetentionDays, 30) },
  ];
}

/**
 * Turns a plain table into a hypertable; a no-op when it already is one, existing rows are
 * moved into chunks. No default time index: the dedup btree and the BRIN index already
 * cover time ranges, and a third index would slow every insert.
 */
export function createHypertableStatement(plan: HypertablePlan): string {
  return (
    `select create_hypertable('${plan.table}', 'time', chunk_time_interval => interval '${plan.chunkDays} days', ` +
    'create_default_indexes => false, if_not_exists => true, migrate_data => true)'
  );
}

/**
 * Compression and retention for one hypertable, idempotent so they run at each start-up.
 * Compression settings are only set while compression is still off, because TimescaleDB
 * refuses to change them once chunks are compressed. The retention policy is dropped and
 * re-added so a changed number of days takes effect.
 */
export function hypertablePolicyStatements(plan: HypertablePlan, compressionEnabled: boolean): string[] {
  const statements: string[] = [];
  if (!compressionEnabled) {
    statements.push(
      `alter table ${plan.table} set (timescaledb.compress, timescaledb.compress_segmentby = '${plan.segmentBy}', timescaledb.compress_orderby = '${plan.orderBy}')`,
    );
  }
  statements.push(
    `select add_compression_policy('${plan.table}', interval '${plan.compressAfterDays} days', if_not_exists => true)`,
    `select remove_retention_policy('${plan.table}', if_exists => true)`,
  );
  if (plan.retentionDays !== null) {
    statements.push(`select add_retention_policy('${plan.table}', interval '${plan.retentionDays} days', if_not_exists => true)`);
  }
  return statements;
}

/**
 * Creates the extension and turns the time-series tables into hypertables. Runs under the
 * migration lock. A table not created yet (its owner's schema was not migrated on this
 * database so far) is left for the start that creates it.
 */
export async function applyTimescale(db: Kysely<Database>, options: TimescaleOptions = {}): Promise<void> {
  const plans = hypertablePlans(options);
  await sql`create extension if not exists timescaledb`.execute(db);
  for (const plan of plans) {
    const { rows: found } = await sql<{ exists: boolean }>`select to_regclass(${plan.table}) is not null as exists`.execute(db);
    if (!found[0]?.exists) continue;
    // The hypertable must exist before its compression state can be read.
    await sql.raw(createHypertableStatement(plan)).execute(db);
    const { rows } = await sql<{ compression_enabled: boolean }>`
      select compression_enabled from timescaledb_information.hypertables
       where hypertable_schema = current_schema() and hypertable_name = ${plan.table}`.execute(db);
    const compressionEnabled = rows[0]?.compression_enabled ?? false;
    for (const statement of hypertablePolicyStatements(plan, compressionEnabled)) {
      await sql.raw(statement).execute(db);
    }
  }
}

function days(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number of days ≥ 1 (or null for no retention), got ${String(value)}`);
  }
  return value;
}
