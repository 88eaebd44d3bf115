import { z } from 'zod';
import { coreConfigShape, envEnum, envInt, envPort, envUrl } from '@premonitor/config';
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
  /** Longest gap (in steps) filled by interpolation. */
  FORECAST_MAX_GAP_STEPS: envInt(DEFAULT_TRAIN_OPTIONS.maxGapSteps, 0, 1000),
  FORECAST_MAX_TRAINING_POINTS: envInt(20_000, 100, 1_000_000),
  /** Minutes between forecast cycles; 0 turns the schedule off. */
  FORECAST_INTERVAL_MINUTES: envInt(15, 0, 24 * 60),
  /** Retrain models older than this many hours. */
  FORECAST_RETRAIN_AFTER_HOURS: envInt(24, 1, 24 * 365),
  /** Retrain when recent MAE exceeds validation MAE × this (percent, 150 = 1.5×). */
  FORECAST_DRIFT_PERCENT: envInt(150, 100, 10_000),
  /** JSON: `{"site/device:sensor": {"low": 0, "high": 80}, "*:temperature": {"high": 90}}`. */
  FORECAST_LIMITS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(limitsSchema),
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
    },
    maxTrainingPoints: c.FORECAST_MAX_TRAINING_POINTS,
    limits: c.FORECAST_LIMITS as Readonly<Record<string, OperatingLimits>>,
    thresholds: DEFAULT_RISK_THRESHOLDS,
    retrainAfterMs: c.FORECAST_RETRAIN_AFTER_HOURS * 3_600_000,
    driftFactor: c.FORECAST_DRIFT_PERCENT / 100,
    driftWindows: 24,
    modelDir: c.FORECAST_MODEL_DIR,
    forecastIntervalMs: c.FORECAST_INTERVAL_MINUTES * 60_000,
  });
}
