import { DEFAULT_FORECAST_GATE, judgeForecaster, type ForecastGatePolicy } from './model/forecast-gate.js';
import { createHash } from 'node:crypto';
import type { Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { Clock } from '@premonitor/time';
import { InsufficientHistoryError, ModelNotFoundError, TrainingInProgressError, UnknownSeriesError } from './errors.js';
import type { ForecastRepository } from './forecast-repository.js';
import { historySteps } from './model/forecaster-spec.js';
import { exportForecasterToOnnx, OnnxForecaster, type ForecastPoint } from './model/onnx-forecaster.js';
import { trainForecaster, type TrainOptions } from './model/train-forecaster.js';
import type { ReadingsRepository } from './readings-repository.js';
import type { AnomalyScoreSource } from './risk/anomaly-scores.js';
import { assessFailureRisk, combineWithAnomaly, DEFAULT_ANOMALY_RISK_RULE, type AnomalyRiskRule, type FailureRisk, type OperatingLimits, type RiskThresholds } from './risk/failure-risk.js';
import { alignSeries } from './series/align-series.js';
import type { TimedValue } from './series/resample.js';
import { forecastScope, type ForecastModelRecord, type ForecastModelStore } from './store/forecast-model-store.js';

/** Settings of {@link ForecastService}. */
export interface ForecastServiceSettings {
  /** Defaults of every training run; a request overrides some of them. */
  readonly train: TrainOptions;
  /** Most recent readings of the target used for training. */
  readonly maxTrainingPoints: number;
  /** Forecast gate: how much worse than production a retrain's backtest MAE may be (default {@link DEFAULT_FORECAST_GATE}). */
  readonly gate?: ForecastGatePolicy;
  /** Operating limits by `site/device:sensor`, or `*:sensor` for every device. */
  readonly limits: Readonly<Record<string, OperatingLimits>>;
  readonly thresholds: RiskThresholds;
  /**
   * How the device's telemetry anomaly score enters the risk: scores of the last `lookbackMs`
   * before the forecast (0: not used) and the scoring service's alarm threshold. Default 30 min, 0.5.
   */
  readonly anomaly?: { readonly lookbackMs: number; readonly rule: AnomalyRiskRule };
}

/** Default of {@link ForecastServiceSettings.anomaly}. */
export const DEFAULT_ANOMALY_SETTINGS = Object.freeze({ lookbackMs: 30 * 60_000, rule: DEFAULT_ANOMALY_RISK_RULE });

/** Collaborators of {@link ForecastService}. */
export interface ForecastServiceDeps {
  readonly readings: ReadingsRepository;
  readonly forecasts: ForecastRepository;
  readonly store: ForecastModelStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The devices' telemetry anomaly scores; absent: the risk is the forecast's alone. */
  readonly anomalies?: AnomalyScoreSource;
}

/** A training request: the pair plus optional overrides. */
export interface TrainRequest {
  readonly deviceId: string;
  readonly sensorKey: string;
  /** Extra sensors of the same device as inputs (multivariate). */
  readonly inputSensorKeys?: readonly string[];
  readonly overrides?: Partial<Pick<TrainOptions, 'sequenceLength' | 'horizon' | 'epochs' | 'batchSize' | 'units' | 'patience' | 'maxGapSteps'>>;
}

/**
 * The request that trains the pair of `record` again as it was trained: its input sensors,
 * windowing, gap filling and, when the model stored them, units, epochs, batch size and
 * patience (older models: the service's defaults for those).
 */
export function retrainRequest(record: ForecastModelRecord): TrainRequest {
  const { spec } = record;
  return {
    deviceId: record.deviceId,
    sensorKey: record.sensorKey,
    inputSensorKeys: spec.inputKeys.slice(1),
    overrides: { sequenceLength: spec.sequenceLength, horizon: spec.horizon, maxGapSteps: spec.maxGapSteps, ...spec.training },
  };
}

/** A forecast with its risk and the history it started from. */
export interface Prediction {
  readonly record: ForecastModelRecord;
  readonly madeAt: number;
  readonly lastValue: number;
  readonly history: readonly TimedValue[];
  readonly points: readonly ForecastPoint[];
  readonly risk: FailureRisk;
  readonly limits: OperatingLimits;
}

interface Loaded {
  readonly record: ForecastModelRecord;
  readonly forecaster: OnnxForecaster;
}

/**
 * The forecasting use cases: train a pair, predict a pair, list models. Models are ONNX
 * sessions kept in memory, loaded from the store at start so a restart predicts at once.
 */
export class ForecastService {
  readonly #models = new Map<string, Loaded>();
  /** The latest retrain the forecast gate kept out, per pair, until one is promoted (this process's view). */
  readonly #refused = new Map<string, ForecastModelRecord>();
  readonly #training = new Set<string>();

  constructor(
    private readonly settings: ForecastServiceSettings,
    private readonly deps: ForecastServiceDeps,
  ) {}

  async start(): Promise<void> {
    for (const { record, bytes } of await this.deps.store.loadProduction()) {
      this.#models.set(forecastScope(record.deviceId, record.sensorKey), { record, forecaster: await OnnxForecaster.load(bytes, record.spec) });
    }
    this.deps.logger.info({ models: this.#models.size }, 'forecast models loaded');
  }

  async stop(): Promise<void> {
    for (const m of this.#models.values()) await m.forecaster.release();
    this.#models.clear();
  }

  /** Retrained forecasters the gate kept as candidates (the latest per pair), with its reasons in `metrics.gate`. */
  refusedCandidates(): ForecastModelRecord[] {
    return [...this.#refused.values()];
  }

  models(): ForecastModelRecord[] {
    return [...this.#models.values()].map((m) => m.record);
  }

  model(deviceId: string, sensorKey: string): ForecastModelRecord | undefined {
    return this.#models.get(forecastScope(deviceId, sensorKey))?.record;
  }

  trainingNow(): string[] {
    return [...this.#training];
  }

  /** Rejects with {@link UnknownSeriesError} naming the field that is not known. */
  async assertKnown(deviceId: string, sensorKeys: readonly string[]): Promise<void> {
    if (!(await this.deps.readings.deviceKnown(deviceId))) throw new UnknownSeriesError(`unknown device '${deviceId}'`, 'device_id');
    for (const key of sensorKeys) {
      if (!(await this.deps.readings.sensorKnown(deviceId, key))) throw new UnknownSeriesError(`device '${deviceId}' has no readings of sensor '${key}'`, 'sensor_key');
    }
  }

  /** Trains, exports, stores and activates a forecaster for the pair. */
  async train(req: TrainRequest): Promise<ForecastModelRecord> {
    const inputKeys = [req.sensorKey, ...(req.inputSensorKeys ?? []).filter((k) => k !== req.sensorKey)];
    await this.assertKnown(req.deviceId, inputKeys);
    const scope = forecastScope(req.deviceId, req.sensorKey);
    // Claimed synchronously after the last await above, so two requests cannot both pass.
    if (this.#training.has(scope)) throw new TrainingInProgressError(`training is already running for ${scope}`);
    this.#training.add(scope);
    try {
      // Absent overrides must not blank the defaults.
      const overrides = Object.fromEntries(Object.entries(req.overrides ?? {}).filter(([, v]) => v !== undefined));
      const options: TrainOptions = { ...this.settings.train, ...overrides };
      const runId = await this.deps.forecasts.startTrainingRun(scope, { ...options, inputKeys } as unknown as Json);
      if (runId === undefined) throw new TrainingInProgressError(`training is already running for ${scope} (another replica)`);
      try {
        const record = await this.#trainAndStore(req.deviceId, inputKeys, options);
        await this.deps.forecasts.finishTrainingRun(runId, { ok: true, metrics: record.metrics as unknown as Json, modelVersion: record.version }, new Date(this.deps.clock.now()));
        return record;
      } catch (err) {
        await this.deps.forecasts.finishTrainingRun(runId, { ok: false, error: err instanceof Error ? err.message : String(err) }, new Date(this.deps.clock.now()));
        throw err;
      }
    } finally {
      this.#training.delete(scope);
    }
  }

  async #trainAndStore(deviceId: string, inputKeys: readonly string[], options: TrainOptions): Promise<ForecastModelRecord> {
    const target = await this.deps.readings.recent(deviceId, inputKeys[0]!, this.settings.maxTrainingPoints);
    const points = [target];
    for (const key of inputKeys.slice(1)) {
      points.push(await this.deps.readings.between(deviceId, key, new Date(target[0]?.time ?? 0), new Date(target[target.length - 1]?.time ?? 0), this.settings.maxTrainingPoints * 4));
    }
    const series = alignSeries(points, { maxGapSteps: options.maxGapSteps, targetKey: inputKeys[0]! });
    const trained = await trainForecaster(series, inputKeys, options, () => this.deps.clock.now());
    const now = this.deps.clock.now();
    // Unique within kind `forecast` (the table's constraint): time plus a digest of the pair.
    const version = `fc-${now.toString(36)}-${createHash('sha256').update(`${deviceId}:${inputKeys[0]}`).digest('hex').slice(0, 8)}`;
    const bytes = exportForecasterToOnnx(trained.model, trained.spec, version);
    const forecaster = await OnnxForecaster.load(bytes, trained.spec);
    const scope = forecastScope(deviceId, inputKeys[0]!);
    const previous = this.#models.get(scope);
    const champion = previous && { version: previous.record.version, forecaster: previous.forecaster };
    const gate = await judgeForecaster(forecaster, champion, series, trained.metrics.validationStart, this.settings.gate ?? DEFAULT_FORECAST_GATE);
    const record = await this.deps.store.save({ deviceId, sensorKey: inputKeys[0]!, version, bytes, spec: trained.spec, metrics: { ...trained.metrics, gate }, promote: gate.promote });
    if (record.stage === 'production') {
      this.#refused.delete(scope);
      this.#models.set(scope, { record, forecaster });
      if (previous) await previous.forecaster.release();
      this.deps.logger.info({ scope, version, valMae: trained.metrics.valMae, seconds: trained.metrics.trainSeconds, gate: gate.reasons }, 'forecaster trained and promoted');
    } else {
      this.#refused.set(scope, record);
      await forecaster.release();
      this.deps.logger.warn({ scope, version, gate: gate.reasons }, 'forecaster trained but kept as a candidate by the forecast gate');
    }
    return record;
  }

  /** Limits of a pair: configured for the device, for the sensor on every device, or the model's default. */
  limitsFor(record: ForecastModelRecord): OperatingLimits {
    const l = this.settings.limits;
    return l[forecastScope(record.deviceId, record.sensorKey)] ?? l[`*:${record.sensorKey}`] ?? record.spec.defaultLimits;
  }

  /** Forecasts the pair from its latest readings, with intervals and failure risk. */
  async predict(deviceId: string, sensorKey: string): Promise<Prediction> {
    const loaded = this.#models.get(forecastScope(deviceId, sensorKey));
    if (!loaded) {
      await this.assertKnown(deviceId, [sensorKey]);
      throw new ModelNotFoundError(`no forecast model for ${forecastScope(deviceId, sensorKey)}; train one with POST /api/v1/lstm/train`);
    }
    const { record, forecaster } = loaded;
    const { spec } = record;
    // Enough history for the input window and the base (a seasonal base may reach days back).
    const series = await this.#recentSeries(record, Math.max(spec.sequenceLength * 3, historySteps(spec) + spec.sequenceLength) + spec.maxGapSteps);
    const end = series.columns[0]!.length - 1;
    const [points] = end >= 0 ? await forecaster.forecastAt(series.columns, series.start, [end]) : [undefined];
    if (!points) {
      throw new InsufficientHistoryError(
        `${sensorKey} of ${deviceId} lacks recent history: the last ${historySteps(spec)} steps of ${spec.stepMs / 1000} s (input window and base) must be present (gaps of at most ${spec.maxGapSteps} steps are filled)`,
        0,
        historySteps(spec),
      );
    }
    const lastValue = series.columns[0]![end]!;
    const limits = this.limitsFor(record);
    const madeAt = series.start + end * spec.stepMs;
    const forecastRisk = assessFailureRisk({
      sensorKey,
      lastValue,
      steps: points,
      limits,
      intervalLevel: spec.intervalLevel,
      thresholds: this.settings.thresholds,
    });
    const anomaly = this.settings.anomaly ?? DEFAULT_ANOMALY_SETTINGS;
    const evidence =
      this.deps.anomalies && anomaly.lookbackMs > 0 ? await this.deps.anomalies.recent(deviceId, new Date(madeAt - anomaly.lookbackMs), new Date(Math.max(madeAt, this.deps.clock.now()))) : undefined;
    const risk = combineWithAnomaly(forecastRisk, sensorKey, evidence?.score, anomaly.rule, this.settings.thresholds);
    const history = Array.from(series.columns[0]!, (value, i) => ({ time: series.start + i * spec.stepMs, value }));
    return { record, madeAt, lastValue, history, points, risk, limits };
  }

  /** The latest `steps` grid steps of the model's inputs, aligned like training. */
  async #recentSeries(record: ForecastModelRecord, steps: number) {
    const { spec } = record;
    const target = await this.deps.readings.recent(record.deviceId, spec.targetKey, steps * 4);
    const lastTime = target[target.length - 1]?.time ?? 0;
    const since = lastTime - steps * spec.stepMs;
    const trimmed = target.filter((p) => p.time > since);
    const points = [trimmed];
    for (const key of spec.inputKeys.slice(1)) points.push(await this.deps.readings.between(record.deviceId, key, new Date(since), new Date(lastTime + spec.stepMs), steps * 8));
    return alignSeries(points, { stepMs: spec.stepMs, maxGapSteps: spec.maxGapSteps, targetKey: spec.targetKey });
  }

  /**
   * Mean absolute error of the model over its most recent `windows` forecasts whose outcome
   * is known (a backtest on fresh data), for drift detection; undefined without enough data.
   */
  async recentError(deviceId: string, sensorKey: string, windows: number): Promise<number | undefined> {
    const loaded = this.#models.get(forecastScope(deviceId, sensorKey));
    if (!loaded) return undefined;
    const { spec } = loaded.record;
    const series = await this.#recentSeries(loaded.record, historySteps(spec) + spec.horizon + windows);
    const n = series.columns[0]!.length;
    const origins = Array.from({ length: windows }, (_, i) => n - 1 - spec.horizon - i).filter((o) => o >= spec.sequenceLength - 1);
    const results = await loaded.forecaster.forecastAt(series.columns, series.start, origins);
    let sum = 0;
    let count = 0;
    results.forEach((points, i) => {
      points?.forEach((p) => {
        const actual = series.columns[0]![origins[i]! + p.step]!;
        if (Number.isFinite(actual)) (sum += Math.abs(actual - p.predicted)), count++;
      });
    });
    return count === 0 ? undefined : sum / count;
  }
}
