import { join } from 'node:path';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { type Bus } from '@premonitor/bus';
import type { DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ReadinessCheck } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { systemClock, type Clock } from '@premonitor/time';
import { createLstmApi } from './api/lstm-api.js';
import { AutoTrainer, type AutoTrainSettings } from './auto-trainer.js';
import { ForecastCycle, type ForecastCycleSettings } from './forecast-cycle.js';
import { ForecastRepository } from './forecast-repository.js';
import { ForecastService, type ForecastServiceSettings } from './forecast-service.js';
import { IntervalScheduler } from './interval-scheduler.js';
import { ReadingsRepository } from './readings-repository.js';
import type { ForecastModelStore } from './store/forecast-model-store.js';
import { RegistryModelStore } from './store/registry-model-store.js';
import { ScoresTableAnomalySource, type AnomalyScoreSource } from './risk/anomaly-scores.js';

/** Everything forecasting needs to know, whichever mode wires it. */
export interface ForecastingSettings extends ForecastServiceSettings, ForecastCycleSettings {
  /** Folder of the registry's ONNX artifacts when no registry is handed in. */
  readonly modelDir: string;
  /** Forecast every model this often; 0 disables the schedule. */
  readonly forecastIntervalMs: number;
  /** Automatic training of sensors without a model (`intervalMs` 0: off). */
  readonly autoTrain: AutoTrainSettings;
}

/** The first automatic training pass comes at most this long after start, whatever the interval. */
const FIRST_AUTO_TRAIN_DELAY_MS = 60_000;

/**
 * Collaborators. `models`: the model registry to keep forecasters in (embedded mode shares
 * the platform's); default, a registry on the database with its artifacts in `modelDir`.
 * `store` replaces the registry-backed store altogether (tests); `clock` defaults to the wall clock.
 */
export interface ForecastingDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  readonly models?: ModelRegistry;
  readonly store?: ForecastModelStore;
  /** Telemetry anomaly scores for the risk; default, the `scores` table (kind `telemetry`). */
  readonly anomalies?: AnomalyScoreSource;
}

/** Forecasting as one unit: models, the schedule and the `/lstm` API. */
export class Forecasting {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly service: ForecastService;
  readonly cycle: ForecastCycle;
  readonly autoTrainer: AutoTrainer;
  readonly #scheduler: IntervalScheduler | undefined;
  readonly #autoScheduler: IntervalScheduler | undefined;
  #started = false;

  constructor(
    private readonly settings: ForecastingSettings,
    deps: ForecastingDependencies,
  ) {
    const clock = deps.clock ?? systemClock;
    const forecasts = new ForecastRepository(deps.db.db);
    const logger = deps.logger;
    const store =
      deps.store ??
      new RegistryModelStore(deps.models ?? new ModelRegistry({ db: deps.db.db, bus: deps.bus, store: new FileArtifactStore(settings.modelDir), logger: logger.child({ component: 'registry' }), clock }), logger);
    const readings = new ReadingsRepository(deps.db.db);
    const anomalies = deps.anomalies ?? new ScoresTableAnomalySource(deps.db.db);
    this.service = new ForecastService(settings, { readings, forecasts, store, logger: deps.logger, clock, anomalies });
    this.autoTrainer = new AutoTrainer(settings.autoTrain, { service: this.service, readings, clock, logger: deps.logger.child({ component: 'auto-train' }) });
    this.cycle = new ForecastCycle(settings, { service: this.service, forecasts, bus: deps.bus, clock, logger: deps.logger });
    const runs = new Counter({ name: 'pm_forecast_cycles_total', help: 'Forecast cycles run', registers: [deps.registry] });
    const high = new Counter({ name: 'pm_forecast_risk_rose_high_total', help: 'Forecasts whose risk level rose to high', registers: [deps.registry] });
    const retrained = new Counter({ name: 'pm_forecast_retrained_total', help: 'Models retrained by the schedule, by reason (stale, drift)', labelNames: ['reason'], registers: [deps.registry] });
    const failed = new Counter({ name: 'pm_forecast_failed_total', help: 'Per-model forecasts of a cycle that failed', registers: [deps.registry] });
    const loaded: Gauge = new Gauge({ name: 'pm_forecast_models', help: 'Forecast models loaded', registers: [deps.registry], collect: () => loaded.set(this.service.models().length) });
    const cycle = async () => {
      const report = await this.cycle.run();
      runs.inc();
      high.inc(report.risingToHigh.length);
      retrained.inc({ reason: 'drift' }, report.drifted.length);
      retrained.inc({ reason: 'stale' }, report.retrained.length - report.drifted.length);
      failed.inc(report.failed.length);
    };
    this.#scheduler = settings.forecastIntervalMs > 0 ? new IntervalScheduler(clock, settings.forecastIntervalMs, cycle, deps.logger) : undefined;
    const autoTrained = new Counter({ name: 'pm_forecast_auto_trained_total', help: 'Forecasters trained automatically for sensors that had none', registers: [deps.registry] });
    const autoTrain = async () => autoTrained.inc((await this.autoTrainer.run()).trained.length);
    const auto = settings.autoTrain;
    this.#autoScheduler = auto.intervalMs > 0 ? new IntervalScheduler(clock, auto.intervalMs, autoTrain, deps.logger, Math.min(auto.intervalMs, FIRST_AUTO_TRAIN_DELAY_MS)) : undefined;
    this.router = createLstmApi(
      this.service,
      {
        status: () => ({
          started: this.#started,
          forecast_interval_minutes: settings.forecastIntervalMs / 60_000,
          retrain_after_hours: settings.retrainAfterMs / 3_600_000,
          last_cycle_at: this.cycle.lastRun === undefined ? null : new Date(this.cycle.lastRun).toISOString(),
          auto_train: {
            interval_minutes: auto.intervalMs / 60_000,
            min_points: auto.minPoints,
            lookback_hours: auto.lookbackMs / 3_600_000,
            concurrency: auto.concurrency,
            last_run_at: this.autoTrainer.lastRun === undefined ? null : new Date(this.autoTrainer.lastRun).toISOString(),
          },
        }),
      },
      () => clock.now(),
    );
    this.readiness = [
      { name: 'models', check: () => this.#started },
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
    ];
  }

  /** Loads the stored models, starts the schedule. */
  async start(): Promise<void> {
    await this.service.start();
    this.#scheduler?.start();
    this.#autoScheduler?.start();
    this.#started = true;
  }

  /** Waits for a running cycle and the trainings under way (no new one starts), then releases the ONNX sessions. */
  async stop(): Promise<void> {
    this.#started = false;
    this.autoTrainer.stop();
    await this.#autoScheduler?.stop();
    await this.#scheduler?.stop();
    await this.service.stop();
  }
}

/** Default model folder inside a data directory. */
export function defaultModelDir(dataDir: string): string {
  return join(dataDir, 'models', 'forecast');
}
