import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { SiteResource } from '@premonitor/http';

/** An `:id` the site lookup accepts: a bigint row id (what every site resource's `id` is). */
const ROW_ID = /^\d{1,15}$/;
/** A plain table name; `sql.table` quotes it too, this refuses anything a route should not declare. */
const TABLE_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The site of the row `id` of the resource's table, or undefined when there is no such row
 * (or `id` cannot name one). Access control answers both alike, so a credential limited to
 * sites cannot tell another site's alert from a missing one.
 */
export async function resourceSite(db: Kysely<Database>, resource: SiteResource, id: string | undefined): Promise<string | undefined> {
  if (!TABLE_NAME.test(resource.table)) throw new Error(`site rule names table '${resource.table}', which is not a plain table name`);
  if (id === undefined || !ROW_ID.test(id)) return undefined;
  const { rows } = await sql<{ site: string }>`select site from ${sql.table(resource.table)} where id = ${Number(id)}`.execute(db);
  return rows[0]?.site;
}
