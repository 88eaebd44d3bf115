import { publishEvent, type Bus } from '@premonitor/bus';
import { ID_PATTERN, type ForecastEvent } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import type { Clock } from '@premonitor/time';
import type { ForecastRepository } from './forecast-repository.js';
import { retrainRequest, type ForecastService, type Prediction } from './forecast-service.js';
import type { RiskLevel } from './risk/failure-risk.js';
import { forecastScope, type ForecastModelRecord } from './store/forecast-model-store.js';

/** Settings of {@link ForecastCycle}. */
export interface ForecastCycleSettings {
  /** Retrain a model older than this. */
  readonly retrainAfterMs: number;
  /** Retrain when the recent error exceeds the validation error by this factor. */
  readonly driftFactor: number;
  /** Recent forecasts backtested for the drift check. */
  readonly driftWindows: number;
}

/** Collaborators of {@link ForecastCycle}: only what a cycle uses of the service and the repository. */
export interface ForecastCycleDeps {
  readonly service: Pick<ForecastService, 'models' | 'train' | 'predict' | 'recentError'>;
  readonly forecasts: Pick<ForecastRepository, 'saveForecast' | 'latestRiskLevel'>;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one cycle did, for logs, metrics and tests. */
export interface CycleReport {
  readonly forecasts: number;
  readonly retrained: readonly string[];
  /** The part of `retrained` retrained for drift (the rest were stale). */
  readonly drifted: readonly string[];
  readonly risingToHigh: readonly string[];
  readonly failed: readonly string[];
}

/**
 * One scheduled pass over every trained model: retrain the stale or drifting ones, then
 * forecast, publish the risk on `pm.forecasts.{site}.{device}` and persist the forecast with
 * it. `previousRiskLevel` is the level of the pair's latest stored forecast, so it survives a
 * restart (and is shared by replicas): a pair still high after a restart is not a new rise.
 */
export class ForecastCycle {
  #lastRun: number | undefined;

  constructor(
    private readonly settings: ForecastCycleSettings,
    private readonly deps: ForecastCycleDeps,
  ) {}

  get lastRun(): number | undefined {
    return this.#lastRun;
  }

  async run(): Promise<CycleReport> {
    const report = { forecasts: 0, retrained: [] as string[], drifted: [] as string[], risingToHigh: [] as string[], failed: [] as string[] };
    for (const record of this.deps.service.models()) {
      const scope = forecastScope(record.deviceId, record.sensorKey);
      try {
        const reason = await this.#retrainReason(record);
        if (reason !== undefined) {
          if (reason === 'drift') report.drifted.push(scope);
          await this.deps.service.train(retrainRequest(record));
          report.retrained.push(scope);
        }
        const prediction = await this.deps.service.predict(record.deviceId, record.sensorKey);
        const previous = await this.deps.forecasts.latestRiskLevel(record.deviceId, record.sensorKey);
        // Published before it is stored: a stored level is one that was announced, so a failed
        // publish is retried as a rise next cycle instead of being taken as already known.
        if (await this.#publish(prediction, previous)) report.risingToHigh.push(scope);
        const risk = { level: prediction.risk.riskLevel, score: prediction.risk.riskScore };
        await this.deps.forecasts.saveForecast(record.deviceId, record.sensorKey, new Date(prediction.madeAt), prediction.points, prediction.record.version, risk);
        report.forecasts++;
      } catch (err) {
        report.failed.push(scope);
        this.deps.logger.warn({ scope, err: err instanceof Error ? err.message : String(err) }, 'forecast cycle failed for a model');
      }
    }
    this.#lastRun = this.deps.clock.now();
    return report;
  }

  /** `stale` when the model is older than allowed, `drift` when its recent error outgrew its validation error. */
  async #retrainReason(record: ForecastModelRecord): Promise<'stale' | 'drift' | undefined> {
    if (this.deps.clock.now() - record.createdAt.getTime() > this.settings.retrainAfterMs) return 'stale';
    const recent = await this.deps.service.recentError(record.deviceId, record.sensorKey, this.settings.driftWindows);
    return recent !== undefined && recent > this.settings.driftFactor * record.metrics.valMae ? 'drift' : undefined;
  }

  /** Publishes the risk; true when the level rose to high from `previous`. */
  async #publish(p: Prediction, previous: RiskLevel | undefined): Promise<boolean> {
    const { deviceId, sensorKey } = p.record;
    const scope = forecastScope(deviceId, sensorKey);
    const [site, device] = deviceId.split('/');
    if (!site || !device || !ID_PATTERN.test(site) || !ID_PATTERN.test(device)) {
      this.deps.logger.warn({ deviceId }, 'device id is not site/device; forecast not published');
      return false;
    }
    const event: ForecastEvent = {
      site,
      device,
      sensorKey,
      ts: p.madeAt,
      riskScore: p.risk.riskScore,
      riskLevel: p.risk.riskLevel,
      ...(previous ? { previousRiskLevel: previous } : {}),
      timeToFailureHours: p.risk.timeToFailureHours,
      recommendedAction: p.risk.recommendedAction.slice(0, 500),
    };
    await publishEvent(this.deps.bus, 'forecasts', [{ site, device }], event, { msgId: `forecast.${site}.${device}.${sensorKey}.${p.madeAt}` });
    const rose = p.risk.riskLevel === 'high' && previous !== 'high';
    if (rose) this.deps.logger.warn({ scope, riskScore: p.risk.riskScore, ttf: p.risk.timeToFailureHours }, 'predicted failure risk rose to high');
    return rose;
  }
}
