import { sql } from 'kysely';
import type { DatabaseHandle, Migration } from '@premonitor/db';
import { LEGACY_MIGRATIONS } from './migration-list.js';

/**
 * Migrates `handle` the way libs/db did before the schema moved to its owners: one list, each
 * migration's statements and its name in one transaction. `count` stops after the first n
 * (a database last started by an older version).
 */
export async function applyLegacyMigrations(handle: DatabaseHandle, count = LEGACY_MIGRATIONS.length): Promise<string[]> {
  await sql`create table if not exists schema_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`.execute(handle.db);
  const applied: Migration[] = LEGACY_MIGRATIONS.slice(0, count);
  for (const migration of applied) {
    await handle.db.transaction().execute(async (trx) => {
      for (const statement of migration.statements) await sql.raw(statement).execute(trx);
      await sql`insert into schema_migrations (name) values (${migration.name})`.execute(trx);
    });
  }
  return applied.map((m) => m.name);
}
