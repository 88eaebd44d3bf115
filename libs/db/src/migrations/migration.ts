/**
 * One schema step. Statements run in order inside one transaction together with the row
 * that records the migration, so a step is applied completely or not at all. Each one is a
 * single SQL statement (PGlite's extended protocol takes one at a time) and written to be
 * harmless if it runs again (`if not exists`, `or replace`).
 */
export interface Migration {
  /** Sortable, unique, never renamed once released: it is the key in `schema_migrations`. */
  readonly name: string;
  readonly statements: readonly string[];
}
