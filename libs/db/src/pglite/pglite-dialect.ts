import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from 'kysely';
import { PGliteDriver } from './pglite-driver.js';

/**
 * The part of PGlite the dialect needs; coding against it keeps the vendor type out of
 * the driver and lets a test pass a fake.
 */
export interface PGliteClient {
  query<R>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'object' | 'array' },
  ): Promise<{ rows: R[]; affectedRows?: number; fields: ReadonlyArray<{ name: string }> }>;
  close(): Promise<void>;
}

/** Config of {@link PGliteDialect}. */
export interface PGliteDialectConfig {
  /** An open PGlite instance, or a factory called once on first use. */
  readonly pglite: PGliteClient | (() => Promise<PGliteClient>);
  /** Close the instance when Kysely is destroyed (default true). */
  readonly closeOnDestroy?: boolean;
}

/**
 * Kysely dialect for PGlite (PostgreSQL compiled to WASM). PGlite is one backend with one
 * session, so the driver hands out a single connection guarded by a mutex: a transaction
 * holds it from `begin` to `commit` and no other query interleaves with it. Inside a
 * transaction (or `db.connection().execute`) use the callback's executor, never the outer
 * `db`: that query would wait for the connection the callback itself holds.
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  constructor(config: PGliteDialectConfig) {
    this.#config = Object.freeze({ ...config });
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
