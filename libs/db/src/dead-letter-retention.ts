import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Options of {@link pruneDeadLetters}. */
export interface PruneDeadLettersOptions {
  /** Dead letters older than this are removed. */
  readonly olderThan: Date;
  /** Rows per delete statement (default 5,000): short transactions, short locks. */
  readonly batchSize?: number;
  /** Most statements per call (default 100); the next call carries on. */
  readonly maxBatches?: number;
}

/**
 * Removes dead letters older than `olderThan`, oldest first, in bounded batches, so a large
 * backlog never becomes one long transaction; returns how many rows went. `dead_letters` is a
 * plain table (not a hypertable, see timescale.ts), so this is its retention in every mode.
 */
export async function pruneDeadLetters(db: Kysely<Database>, options: PruneDeadLettersOptions): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 100;
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const result = await sql`
      delete from dead_letters where id in (
        select id from dead_letters where time < ${options.olderThan} order by time limit ${batchSize})`.execute(db);
    const n = Number(result.numAffectedRows ?? 0n);
    removed += n;
    if (n < batchSize) break;
  }
  return removed;
}
