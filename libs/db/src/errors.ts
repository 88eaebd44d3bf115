/** The database could not be reached or opened; the message names the target and what to check. */
export class DatabaseConnectionError extends Error {
  override readonly name = 'DatabaseConnectionError';
  /** The URL (password masked) or data folder that failed. */
  readonly target: string;

  constructor(message: string, target: string, options?: { cause?: unknown }) {
    super(message, options);
    this.target = target;
  }
}

/** A migration or the TimescaleDB set-up failed; nothing of that migration was recorded. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  /** Name of the migration (or step) that failed. */
  readonly migration: string;

  constructor(message: string, migration: string, options?: { cause?: unknown }) {
    super(message, options);
    this.migration = migration;
  }
}

/** True when a database error (pg or PGlite) is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === '23505';
}

/** True when `err` is PostgreSQL's "relation does not exist" (a table whose owner's schema this database has not migrated). */
export function isUndefinedTable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === '42P01';
}
