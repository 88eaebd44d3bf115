import type { Kysely } from 'kysely';
import { recordDeadLetters, type Database, type DeadLetterInput, type NewScore } from '@premonitor/db';

/** Where the service persists its results; the consumer acks only after these resolve. */
export interface ScoreStore {
  /** Inserts scores; a row already stored (same device, kind, time, seq) is skipped. Returns rows written. */
  saveScores(rows: readonly NewScore[]): Promise<number>;
  /** Records rejected frames. */
  saveDeadLetters(entries: readonly DeadLetterInput[]): Promise<void>;
}

/** `ScoreStore` over the `scores` and `dead_letters` tables. */
export class KyselyScoreStore implements ScoreStore {
  readonly #db: Kysely<Database>;
  readonly #deadLetterMaxBytes: number;

  constructor(db: Kysely<Database>, options: { deadLetterMaxBytes?: number } = {}) {
    this.#db = db;
    this.#deadLetterMaxBytes = options.deadLetterMaxBytes ?? 64 * 1024;
  }

  async saveScores(rows: readonly NewScore[]): Promise<number> {
    if (rows.length === 0) return 0;
    // The unique key makes a redelivered frame a no-op, whichever model scored it first.
    const result = await this.#db
      .insertInto('scores')
      .values([...rows])
      .onConflict((oc) => oc.columns(['device_id', 'kind', 'time', 'seq']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async saveDeadLetters(entries: readonly DeadLetterInput[]): Promise<void> {
    await recordDeadLetters(this.#db, entries, { maxPayloadBytes: this.#deadLetterMaxBytes });
  }
}
