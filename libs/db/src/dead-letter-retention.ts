import { sql, type Kysely } from 'kysely';
import { deleteInBatches, type DeleteInBatchesOptions } from './delete-in-batches.js';
import type { Database } from './schema.js';

/** Options of {@link pruneDeadLetters}. */
export interface PruneDeadLettersOptions extends DeleteInBatchesOptions {
  /** Dead letters older than this are removed. */
  readonly olderThan: Date;
}

/**
 * Removes dead letters older than `olderThan`, oldest first, in bounded batches
 * (`deleteInBatches`); returns how many rows went. `dead_letters` is a plain table (not a
 * hypertable, see timescale.ts), so this is its retention in every mode.
 */
export function pruneDeadLetters(db: Kysely<Database>, options: PruneDeadLettersOptions): Promise<number> {
  return deleteInBatches(async (limit) => {
    const result = await sql`
      delete from dead_letters where id in (
        select id from dead_letters where time < ${options.olderThan} order by time limit ${limit})`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  }, options);
}
