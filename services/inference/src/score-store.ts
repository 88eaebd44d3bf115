import { sql, type Kysely } from 'kysely';
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
    // One statement whatever the batch size: eight typed arrays unnested server-side (as
    // ingest's readings), instead of a VALUES list of 8 × n parameters that the server parses
    // afresh for every batch size. Times travel as epoch ms, cheaper to serialise than Dates.
    // The unique key makes a redelivered frame a no-op, whichever model scored it first.
    const n = rows.length;
    const times = new Array<number>(n);
    const devices = new Array<string>(n);
    const kinds = new Array<string>(n);
    const scores = new Array<number>(n);
    const versions = new Array<string>(n);
    const latencies = new Array<number | null>(n);
    const seqs = new Array<number | string | bigint>(n);
    const references = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      times[i] = row.time instanceof Date ? row.time.getTime() : new Date(row.time).getTime();
      devices[i] = row.device_id;
      kinds[i] = row.kind;
      scores[i] = row.score;
      versions[i] = row.model_version;
      latencies[i] = row.latency_ms ?? null;
      seqs[i] = row.seq;
      references[i] = row.reference ?? null;
    }
    const result = await sql`
      insert into scores (time, device_id, kind, score, model_version, latency_ms, seq, reference)
      select to_timestamp(u.t / 1000.0), u.d, u.k, u.s, u.v, u.l, u.q, u.r
      from unnest(${times}::float8[], ${devices}::text[], ${kinds}::text[], ${scores}::float8[], ${versions}::text[], ${latencies}::float4[], ${seqs}::int8[], ${references}::text[])
        as u(t, d, k, s, v, l, q, r)
      on conflict (device_id, kind, time, seq) do nothing`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0n);
  }

  async saveDeadLetters(entries: readonly DeadLetterInput[]): Promise<void> {
    await recordDeadLetters(this.#db, entries, { maxPayloadBytes: this.#deadLetterMaxBytes });
  }
}
