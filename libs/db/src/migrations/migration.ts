/**
 * One schema step. Statements run in order inside one transaction together with the row
 * that records the migration, so a step is applied completely or not at all. Each one is a
 * single SQL statement (PGlite's extended protocol takes one at a time) and written to be
 * harmless if it runs again (`if not exists`, `or replace`).
 */
export interface Migration {
  /** `{owner}/{NNNN}_{what}`; sortable within its owner, never renamed once released: it is the key in `schema_migrations`. */
  readonly name: string;
  /**
   * The migration of the single list libs/db kept until the schema moved to its owners
   * (`0001_core_tables` … `0012_fusion_applied_events`) whose statements included these. A
   * database that recorded it already has this step: the step is recorded, not run.
   */
  readonly replaces?: string;
  readonly statements: readonly string[];
}
