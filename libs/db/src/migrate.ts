import { sql, type Kysely } from 'kysely';
import type { Logger } from '@premonitor/log';
import { MigrationError } from './errors.js';
import type { Migration } from './migrations/migration.js';
import type { DatabaseHandle } from './open-database.js';
import { schemaMigrations, type SchemaPart } from './schema-part.js';
import type { Database } from './schema.js';
import { applyTimescale, type TimescaleOptions } from './timescale.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Retention and compression when TimescaleDB is used. */
  readonly timescale?: TimescaleOptions;
  /** Receives one line per applied migration. */
  readonly logger?: Logger;
  /**
   * The schema parts to bring up to date: the host's modules' (`ServiceModule.schema`); in
   * embedded mode and tests every part (`PLATFORM_SCHEMA` of @premonitor/platform/schema).
   * Ordered by {@link schemaMigrations}.
   */
  readonly schema: readonly SchemaPart[];
}

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Names applied by this call, in order; empty when the schema was already current. */
  readonly applied: readonly string[];
  /** Names that were already recorded. */
  readonly skipped: readonly string[];
  /**
   * Names recorded without running: the legacy migration they were split from
   * (`Migration.replaces`) was recorded, so their tables already exist with their rows.
   */
  readonly adopted: readonly string[];
  /** True when hypertables, compression and retention were set up. */
  readonly timescale: boolean;
}

// Any constant works as long as nothing else in the database uses it; this is
// 'premonitor.migrate' folded into a positive int8.
const MIGRATION_LOCK_KEY = 7_305_614_291_028_733;

/**
 * Brings the schema up to date; run at start-up by every service that owns tables. Safe to
 * call again (a no-op) and from several processes at once: on PostgreSQL a session advisory
 * lock lets one starter migrate while the others wait and then find nothing to do; on
 * PGlite the single connection is held for the whole run.
 *
 * Kysely's Migrator is not used because it keeps its own tables and lock row, and the
 * TimescaleDB step here must run outside a migration, at every start.
 */
export async function migrate(handle: DatabaseHandle, options: MigrateOptions): Promise<MigrationReport> {
  const migrations = schemaMigrations(options.schema);
  // Everything inside uses `conn` only: on PGlite the outer `db` would wait for this very connection.
  return handle.db.connection().execute(async (conn) => {
    const locked = handle.kind === 'postgres';
    if (locked) await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        name text primary key,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const { rows } = await sql<{ name: string }>`select name from schema_migrations`.execute(conn);
      const done = new Set(rows.map((row) => row.name));
      const applied: string[] = [];
      const skipped: string[] = [];
      const adopted: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) {
          skipped.push(migration.name);
          continue;
        }
        if (migration.replaces && done.has(migration.replaces)) {
          await sql`insert into schema_migrations (name) values (${migration.name})`.execute(conn);
          adopted.push(migration.name);
          continue;
        }
        await applyOne(conn, migration);
        applied.push(migration.name);
        options.logger?.info({ migration: migration.name }, 'migration applied');
      }
      if (handle.timescale) {
        try {
          await applyTimescale(conn, options.timescale);
        } catch (cause) {
          throw new MigrationError(
            `TimescaleDB set-up failed: ${message(cause)}. Check that the database user may create the extension, ` +
              "or open the database with timescale: 'off' to use plain tables.",
            'timescale',
            { cause },
          );
        }
      }
      return { applied, skipped, adopted, timescale: handle.timescale };
    } finally {
      if (locked) await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

async function applyOne(conn: Kysely<Database>, migration: Migration): Promise<void> {
  try {
    await conn.transaction().execute(async (trx) => {
      for (const statement of migration.statements) await sql.raw(statement).execute(trx);
      await sql`insert into schema_migrations (name) values (${migration.name})`.execute(trx);
    });
  } catch (cause) {
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${message(cause)}`, migration.name, { cause });
  }
}

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * For a service that may not change the schema (a least-privilege role, DATABASE_MIGRATE=off):
 * refuses to start unless every migration of `schema` was applied (by the migrate Job or
 * another host), naming the missing ones, instead of failing later on a missing table or column.
 */
export async function assertMigrated(handle: DatabaseHandle, schema: readonly SchemaPart[]): Promise<void> {
  let done: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from schema_migrations`.execute(handle.db);
    done = new Set(rows.map((row) => row.name));
  } catch (cause) {
    throw new MigrationError(`cannot read schema_migrations (${message(cause)}): run the migrations first (migrate-main, the migrate Job)`, 'check', { cause });
  }
  const missing = schemaMigrations(schema).filter((m) => !done.has(m.name)).map((m) => m.name);
  if (missing.length > 0) {
    throw new MigrationError(`the schema is not current, and DATABASE_MIGRATE=off: run the migrations first (migrate-main, the migrate Job); missing ${missing.join(', ')}`, 'check');
  }
}
