import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { maskUrl, type Logger } from '@premonitor/log';
import { DatabaseConnectionError } from './errors.js';
import { parseInt8 } from './int8.js';
import { createPGlite } from './pglite/create-pglite.js';
import { PGliteDialect } from './pglite/pglite-dialect.js';
import type { Database } from './schema.js';

/** Connect to a PostgreSQL (or TimescaleDB) server. */
export interface PostgresOptions {
  readonly kind: 'postgres';
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Maximum pooled connections (default 10). */
  readonly poolSize?: number;
  /** `auto` uses TimescaleDB when the server offers it; `off` always builds plain tables. */
  readonly timescale?: 'auto' | 'off';
  /** Where pool errors on idle connections are logged. */
  readonly logger?: Logger;
}

/** Open PGlite (PostgreSQL in WASM) persisted in a folder. */
export interface PGliteOptions {
  readonly kind: 'pglite';
  /**
   * Folder holding the database files; created when missing (in a sibling `.init` folder,
   * renamed into place once complete). PGlite takes no lock: the caller must make sure only
   * one process opens the folder (the embedded platform locks its data folder).
   */
  readonly dataDir: string;
  /**
   * A folder holding an empty PGlite database (PGlite created it and closed it; nothing else),
   * copied in place of initdb when `dataDir` holds no database yet. initdb runs PostgreSQL's
   * bootstrap in WASM: 5–50 s depending on load, against about a second for the copy. The test
   * runner makes one per run (`PGLITE_TEMPLATE_DIR`); a platform leaves it unset.
   */
  readonly template?: string;
  readonly logger?: Logger;
}

export type DatabaseOptions = PostgresOptions | PGliteOptions;

/** An open database: the Kysely instance plus what the rest of the platform needs to know. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseOptions['kind'];
  /** True when TimescaleDB can be used (available and preloaded); `migrate` then creates hypertables. */
  readonly timescale: boolean;
  /** The URL with its password masked, or the absolute data folder. Safe to log. */
  readonly target: string;
  /** True when a trivial query succeeds; for `/readyz`. Never throws. */
  ping(): Promise<boolean>;
  /** Connections of the pool (PostgreSQL); one always-busy connection for PGlite. For `/metrics`. */
  poolStats(): PoolStats;
  /** Waits for in-flight queries, then closes the pool or the PGlite instance. Idempotent. */
  close(): Promise<void>;
}

/** The state of a connection pool, as `pg.Pool` counts it. */
export interface PoolStats {
  /** Connections open. */
  readonly total: number;
  /** Connections open and not checked out. */
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
  /** Most connections the pool opens. */
  readonly max: number;
}

/**
 * Opens the database and proves it answers, so a wrong URL fails at start-up with a message
 * that says what to check instead of on the first insert.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.kind === 'postgres' ? openPostgres(options) : openPGlite(options);
}

// Per-pool overrides rather than the global `pg.types`, so other pg users in the process keep theirs.
const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;
type TextParser = (text: string) => unknown;
const defaultParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => TextParser;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): TextParser => {
    if (oid === INT8_OID) return parseInt8;
    if (oid === INT8_ARRAY_OID) {
      const parseArray = defaultParser(INT8_ARRAY_OID, 'text') as (text: string) => Array<string | null>;
      return (text) => parseArray(text).map((item) => (item === null ? null : parseInt8(item)));
    }
    return defaultParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

async function openPostgres(options: PostgresOptions): Promise<DatabaseHandle> {
  const target = maskUrl(options.url);
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${String(options.poolSize)}`);
  }
  const pool = new pg.Pool({ connectionString: options.url, max: poolSize, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // Without a listener an idle client that loses its server would crash the process.
  pool.on('error', (err) => options.logger?.warn({ err, database: target }, 'idle database connection failed'));
  // The pool listens only to idle clients: one checked out (between the queries of a
  // transaction, or as the server resets it) would crash the process with an unhandled 'error'
  // when the server goes away. The query in flight is rejected anyway; this only keeps the
  // process alive so the caller can retry.
  pool.on('connect', (client) => client.on('error', (err) => options.logger?.warn({ err, database: target }, 'database connection failed')));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let timescale: boolean;
  try {
    timescale = options.timescale === 'off' ? false : await timescaleUsable(db);
  } catch (cause) {
    await db.destroy().catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DatabaseConnectionError(
      `cannot connect to PostgreSQL at ${target}: ${reason}. Check that the server is running and reachable ` +
        'from here, and that the host, port, database name, user and password in the URL (DATABASE_URL) are right.',
      target,
      { cause },
    );
  }
  return handle(db, 'postgres', timescale, target, () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize }));
}

async function openPGlite(options: PGliteOptions): Promise<DatabaseHandle> {
  const target = resolve(options.dataDir);
  let client;
  try {
    await mkdir(dirname(target), { recursive: true });
    client = await createPGlite(target, { logger: options.logger, template: options.template });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DatabaseConnectionError(
      `cannot open PGlite in ${target}: ${reason}. Check that the folder is writable and holds a PGlite database ` +
        '(not files from another PostgreSQL version). PGlite takes no lock: if two processes wrote this folder at ' +
        'once, the database is damaged; move the folder aside to start with an empty one.',
      target,
      { cause },
    );
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: client }) });
  // One in-process connection, shared: nothing to count but that it exists.
  return handle(db, 'pglite', false, target, () => ({ total: 1, idle: 0, waiting: 0, max: 1 }));
}

// Timescale must be both installed and preloaded: CREATE EXTENSION fails otherwise, and the
// check here keeps that decision in one place instead of catching errors mid-migration. An
// extension already created in this database was preloaded; otherwise the setting is read, if
// the user may (a least-privilege service role may not read server settings, and never
// migrates: for it, no extension here means none to use).
async function timescaleUsable(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ available: boolean; preloaded: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available,
           case
             when exists (select 1 from pg_extension where extname = 'timescaledb') then true
             when not pg_has_role(current_user, 'pg_read_all_settings', 'usage') then false
             else coalesce(current_setting('shared_preload_libraries', true), '') like '%timescaledb%'
           end as preloaded`.execute(db);
  const row = rows[0];
  return Boolean(row?.available && row.preloaded);
}

function handle(db: Kysely<Database>, kind: DatabaseOptions['kind'], timescale: boolean, target: string, poolStats: () => PoolStats): DatabaseHandle {
  let closing: Promise<void> | undefined;
  return Object.freeze({
    db,
    kind,
    timescale,
    target,
    async ping() {
      if (closing) return false;
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    poolStats,
    close() {
      closing ??= db.destroy();
      return closing;
    },
  });
}
