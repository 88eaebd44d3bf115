import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';

/** A device's recent telemetry anomaly scores, summarised. */
export interface AnomalyEvidence {
  /** Mean score in [0, 1] over the lookback. */
  readonly score: number;
  /** Highest single score over the lookback. */
  readonly peak: number;
  readonly count: number;
  /** Time (ms) of the latest score. */
  readonly at: number;
}

/**
 * Where the telemetry anomaly scores of a device come from. Today the `scores` table (kind
 * `telemetry`, written by the scoring service that publishes `pm.scores.telemetry.{site}.{device}`);
 * a consumer of that subject could implement the same port without the risk code changing.
 */
export interface AnomalyScoreSource {
  /** Scores of `deviceId` (`site/device`) in `[from, to]`; undefined when there are none. */
  recent(deviceId: string, from: Date, to: Date): Promise<AnomalyEvidence | undefined>;
}

/** {@link AnomalyScoreSource} on the `scores` table (a cross-module read, docs/ARCHITECTURE.md). */
export class ScoresTableAnomalySource implements AnomalyScoreSource {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind = 'telemetry',
  ) {}

  async recent(deviceId: string, from: Date, to: Date): Promise<AnomalyEvidence | undefined> {
    try {
      const { rows } = await sql<{ score: number | null; peak: number | null; n: string | number; at: Date | null }>`
        select avg(score) as score, max(score) as peak, count(*) as n, max(time) as at from scores
        where device_id = ${deviceId} and kind = ${this.kind} and time >= ${from} and time <= ${to}`.execute(this.db);
      const row = rows[0];
      if (!row || Number(row.n) === 0 || row.score === null || row.at === null) return undefined;
      return { score: Number(row.score), peak: Number(row.peak), count: Number(row.n), at: new Date(row.at).getTime() };
    } catch (err) {
      // No scoring service has ever run against this database (no `scores` table): no evidence.
      if ((err as { code?: string }).code === '42P01') return undefined;
      throw err;
    }
  }
}
