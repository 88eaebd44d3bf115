import { DEFAULT_FORECAST_GATE } from './model/forecast-gate.js';
import { z } from 'zod';
import { coreConfigShape, envEnum, envInt, envJson, envPort, envUrl } from '@premonitor/config';
import { READING_KEY_PATTERN, READING_KEY_RULE } from '@premonitor/contracts';
import { DEFAULT_TRAIN_OPTIONS } from './model/train-forecaster.js';
import type { ForecastingSettings } from './forecasting.js';
import { DEFAULT_RISK_THRESHOLDS, type OperatingLimits } from './risk/failure-risk.js';

const limitsSchema = z.record(
  // The sensor part is any reading key (`*:Temperature (°C)`), so only the first ':' separates.
  z
    .string()
    .regex(/^(\*|[a-z0-9-]{1,64}\/[a-z0-9-]{1,64}):/, 'keys are site/device:sensor or *:sensor')
    .refine((k) => READING_KEY_PATTERN.test(k.slice(k.indexOf(':') + 1)), `the sensor after ':' ${READING_KEY_RULE}`),
  z.strictObject({ low: z.number().optional(), high: z.number().optional() }),
);

/** Forecasting's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const forecastingConfigShape = {
  ...coreConfigShape({ httpPort: 8083, databasePoolSize: 4 }),
  /** Folder of the forecast model artifacts. */
  FORECAST_MODEL_DIR: z.string().min(1).default('.data/models/forecast'),
  FORECAST_SEQUENCE_LENGTH: envInt(DEFAULT_TRAIN_OPTIONS.sequenceLength, 2, 500),
  FORECAST_HORIZON: envInt(DEFAULT_TRAIN_OPTIONS.horizon, 1, 500),
  FORECAST_UNITS: envInt(DEFAULT_TRAIN_OPTIONS.units, 1, 512),
  FORECAST_EPOCHS: envInt(DEFAULT_TRAIN_OPTIONS.epochs, 1, 1000),
  FORECAST_BATCH_SIZE: envInt(DEFAULT_TRAIN_OPTIONS.batchSize, 1, 4096),
  FORECAST_PATIENCE: envInt(DEFAULT_TRAIN_OPTIONS.patience, 1, 100),
  /** Seed of every training (fixed: the same history gives the same model). */
  FORECAST_SEED: envInt(DEFAULT_TRAIN_OPTIONS.seed ?? 42, 0, 2 ** 31 - 1),
  /** Season of seasonal-naive in grid steps; 0 detects it per series. */
  FORECAST_SEASON_STEPS: envInt(0, 0, 100_000),
  /** Longest gap (in steps) filled by interpolation. */
  FORECAST_MAX_GAP_STEPS: envInt(DEFAULT_TRAIN_OPTIONS.maxGapSteps, 0, 1000),
  FORECAST_MAX_TRAINING_POINTS: envInt(20_000, 100, 1_000_000),
  /** Minutes between forecast cycles; 0 turns the schedule off. */
  FORECAST_INTERVAL_MINUTES: envInt(15, 0, 24 * 60),
  /** Minutes between passes that train sensors with enough history and no model; 0 turns it off. */
  FORECAST_AUTO_TRAIN_MINUTES: envInt(60, 0, 7 * 24 * 60),
  /** Readings within the lookback a sensor needs before it is trained automatically. */
  FORECAST_AUTO_TRAIN_MIN_POINTS: envInt(500, 100, 1_000_000),
  /** Only readings this recent count toward the minimum (bounds the query). */
  FORECAST_AUTO_TRAIN_LOOKBACK_HOURS: envInt(14 * 24, 1, 24 * 365),
  /** Automatic trainings at once. */
  FORECAST_AUTO_TRAIN_CONCURRENCY: envInt(1, 1, 16),
  /** Forecast gate: a retrained forecaster whose backtest MAE exceeds production's by more than this (percent) stays a candidate. */
  FORECAST_GATE_TOLERANCE_PERCENT: envInt(5, 0, 1_000),
  /** Retrain models older than this many hours. */
  FORECAST_RETRAIN_AFTER_HOURS: envInt(24, 1, 24 * 365),
  /** Retrain when recent MAE exceeds validation MAE × this (percent, 150 = 1.5×). */
  FORECAST_DRIFT_PERCENT: envInt(150, 100, 10_000),
  /** Minutes of the device's telemetry anomaly scores (table `scores`, kind telemetry) that enter the risk; 0: not used. */
  FORECAST_ANOMALY_LOOKBACK_MINUTES: envInt(30, 0, 24 * 60),
  /** The telemetry scoring's alarm threshold on its [0, 1] score, in percent. */
  FORECAST_ANOMALY_THRESHOLD_PERCENT: envInt(50, 1, 100),
  /** JSON: `{"site/device:sensor": {"low": 0, "high": 80}, "*:temperature": {"high": 90}}`. */
  FORECAST_LIMITS: envJson(limitsSchema, '{}'),
};

export type ForecastingConfig = Readonly<z.infer<z.ZodObject<typeof forecastingConfigShape>>>;

/** Maps parsed configuration to {@link ForecastingSettings}. */
export function settingsFromConfig(c: ForecastingConfig): ForecastingSettings {
  return Object.freeze({
    train: {
      ...DEFAULT_TRAIN_OPTIONS,
      sequenceLength: c.FORECAST_SEQUENCE_LENGTH,
      horizon: c.FORECAST_HORIZON,
      units: c.FORECAST_UNITS,
      epochs: c.FORECAST_EPOCHS,
      batchSize: c.FORECAST_BATCH_SIZE,
      patience: c.FORECAST_PATIENCE,
      maxGapSteps: c.FORECAST_MAX_GAP_STEPS,
      seed: c.FORECAST_SEED,
      season: c.FORECAST_SEASON_STEPS,
    },
    maxTrainingPoints: c.FORECAST_MAX_TRAINING_POINTS,
    gate: { ...DEFAULT_FORECAST_GATE, tolerance: c.FORECAST_GATE_TOLERANCE_PERCENT / 100 },
    limits: c.FORECAST_LIMITS as Readonly<Record<string, OperatingLimits>>,
    thresholds: DEFAULT_RISK_THRESHOLDS,
    anomaly: { lookbackMs: c.FORECAST_ANOMALY_LOOKBACK_MINUTES * 60_000, rule: { threshold: c.FORECAST_ANOMALY_THRESHOLD_PERCENT / 100 } },
    retrainAfterMs: c.FORECAST_RETRAIN_AFTER_HOURS * 3_600_000,
    driftFactor: c.FORECAST_DRIFT_PERCENT / 100,
    driftWindows: 24,
    modelDir: c.FORECAST_MODEL_DIR,
    forecastIntervalMs: c.FORECAST_INTERVAL_MINUTES * 60_000,
    autoTrain: {
      intervalMs: c.FORECAST_AUTO_TRAIN_MINUTES * 60_000,
      minPoints: c.FORECAST_AUTO_TRAIN_MIN_POINTS,
      lookbackMs: c.FORECAST_AUTO_TRAIN_LOOKBACK_HOURS * 3_600_000,
      concurrency: c.FORECAST_AUTO_TRAIN_CONCURRENCY,
    },
  });
}
