import type { Kysely } from 'kysely';
import type { Database, Json } from '@premonitor/db';
import type { ForecastPoint } from './model/onnx-forecaster.js';
import type { RiskLevel } from './risk/failure-risk.js';

const LEVELS: readonly string[] = ['low', 'medium', 'high'] satisfies RiskLevel[];

/** The risk a forecast was published with. */
export interface StoredRisk {
  readonly level: RiskLevel;
  readonly score: number;
}

/** Write side: forecasts and training runs (thin Kysely wrapper). */
export class ForecastRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores one forecast (all steps) with its risk; a repeat of the same forecast time is a no-op. */
  async saveForecast(deviceId: string, key: string, madeAt: Date, points: readonly ForecastPoint[], modelVersion: string, risk: StoredRisk): Promise<void> {
    if (points.length === 0) return;
    await this.db
      .insertInto('forecasts')
      .values(
        points.map((p) => ({
          time: madeAt,
          device_id: deviceId,
          key,
          step: p.step,
          target_time: new Date(p.targetTime),
          predicted: p.predicted,
          lower: p.lower,
          upper: p.upper,
          model_version: modelVersion,
          risk_level: risk.level,
          risk_score: risk.score,
        })),
      )
      .onConflict((oc) => oc.constraint('forecasts_dedup').doNothing())
      .execute();
  }

  /**
   * The risk level of the pair's latest stored forecast that has one (undefined: none yet, or
   * only rows from before migration 0008). Served by the `forecasts_dedup` btree.
   */
  async latestRiskLevel(deviceId: string, key: string): Promise<RiskLevel | undefined> {
    const row = await this.db
      .selectFrom('forecasts')
      .select('risk_level')
      .where('device_id', '=', deviceId)
      .where('key', '=', key)
      .where('risk_level', 'is not', null)
      .orderBy('time', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.risk_level && LEVELS.includes(row.risk_level) ? (row.risk_level as RiskLevel) : undefined;
  }

  /**
   * Opens a training run. Returns undefined when one is already running for the scope: the
   * partial unique index makes that a constraint violation, so two replicas cannot both start.
   */
  async startTrainingRun(scope: string, params: Json): Promise<number | undefined> {
    const row = await this.db
      .insertInto('training_runs')
      .values({ kind: 'forecast', scope, params })
      .onConflict((oc) => oc.columns(['kind', 'scope']).where('status', '=', 'running').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  async finishTrainingRun(id: number, outcome: { ok: true; metrics: Json; modelVersion: string } | { ok: false; error: string }, at: Date): Promise<void> {
    await this.db
      .updateTable('training_runs')
      .set(outcome.ok ? { status: 'succeeded', metrics: outcome.metrics, model_version: outcome.modelVersion, finished_at: at } : { status: 'failed', error: outcome.error.slice(0, 2000), finished_at: at })
      .where('id', '=', id)
      .execute();
  }
}
