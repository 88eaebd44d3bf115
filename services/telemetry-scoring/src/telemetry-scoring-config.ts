import { z } from 'zod';
import { coreConfigShape, envEnum, envInt } from '@premonitor/config';
import { DEFAULT_DEVICE_MODEL_OPTIONS } from './device-model.js';
import { DEFAULT_DEVICE_FIT_OPTIONS } from './device-fit-options.js';
import type { TelemetryScoringSettings } from './telemetry-scoring.js';
import type { VibrationScoringSettings } from './vibration-scoring.js';

/** Telemetry scoring's settings, by environment variable. Parsed once by the host with `loadConfig`. */
export const telemetryScoringConfigShape = {
  ...coreConfigShape({ httpPort: 8086, databasePoolSize: 2 }),
  /** Resampling step, ms; 0 = each device's median message interval over its first messages. */
  TELEMETRY_STEP_MS: envInt(0, 0, 86_400_000),
  /** Messages a device's step and sensors are learned from before enrollment starts. */
  TELEMETRY_DISCOVERY_MESSAGES: envInt(10, 2, 10_000),
  /** Longest run of empty steps filled with the last value; longer is a gap (windows restart). */
  TELEMETRY_MAX_GAP_STEPS: envInt(5, 0, 10_000),
  /** Complete healthy rows a device's model is fitted on (400 = the SKAB protocol's training span at 1 Hz). */
  TELEMETRY_ENROLL_ROWS: envInt(400, 50, 1_000_000),
  /** Rows per window (its T²+Q are averaged). */
  TELEMETRY_WINDOW_STEPS: envInt(DEFAULT_DEVICE_MODEL_OPTIONS.windowSteps, 1, 10_000),
  /** Threshold = the 0.99 quantile of the enrollment windows' errors × this percentage. */
  TELEMETRY_THRESHOLD_MARGIN_PERCENT: envInt(DEFAULT_DEVICE_MODEL_OPTIONS.margin * 100, 10, 10_000),
  /**
   * Family of each device's model: `pca` (closed-form PCA T²+Q, fitted in place; the default),
   * `conv-ae` (1-D conv autoencoder, fitted in a worker thread, exported to ONNX) or `auto`
   * (both fitted on the enrollment rows before a held-out tail, the one with fewer false alarms
   * on the tail refitted and kept; PCA on a tie).
   */
  TELEMETRY_DEVICE_MODEL: envEnum(['pca', 'conv-ae', 'auto'], 'pca'),
  /** `auto`: percentage of the enrollment rows held out at their end to compare the families on. */
  TELEMETRY_AUTO_VALIDATION_PERCENT: envInt(DEFAULT_DEVICE_FIT_OPTIONS.validation.validationShare * 100, 5, 50),
  /** `auto`: fewest held-out rows whatever the percentage (at most half the enrollment). */
  TELEMETRY_AUTO_VALIDATION_MIN_ROWS: envInt(DEFAULT_DEVICE_FIT_OPTIONS.validation.minValidationRows, 0, 1_000_000),
  /** `auto`: held-out false alarm rates within this many tenths of a percentage point are a tie, which keeps PCA. */
  TELEMETRY_AUTO_TIE_PERMILLE: envInt(DEFAULT_DEVICE_FIT_OPTIONS.validation.tieFalseAlarmRate * 1000, 0, 1000),
  /** Most sensors one device's model reads. */
  TELEMETRY_MAX_SENSORS: envInt(32, 1, 256),
  /** Only this site's devices (`*` = every site). One instance per site: a device's messages must reach one scorer. */
  TELEMETRY_SITE: z.string().regex(/^(\*|[a-z0-9-]{1,64})$/, 'must be * or a site id').default('*'),
  /** Where a new consumer starts: every stored message (devices enroll on the history the stream holds) or only new ones. */
  TELEMETRY_DELIVER_POLICY: envEnum(['all', 'new'], 'all'),
  DEAD_LETTER_MAX_BYTES: envInt(64 * 1024, 0, 16 * 1024 * 1024),
  /** The vibration window model scoring `pm.frames.vibration.*` (default: the shipped models/vibration.onnx); empty turns vibration scoring off. */
  VIBRATION_MODEL_FILE: z.string().default(new URL('../../../models/vibration.onnx', import.meta.url).pathname),
  /** Comma-separated classes of the vibration model that are faults (default: the fan with an unbalance weight, at every speed). */
  VIBRATION_FAULT_CLASSES: z
    .string()
    .default('low+weight,med+weight,high+weight')
    .transform((s) => s.split(',').map((c) => c.trim()).filter((c) => c.length > 0)),
};

export type TelemetryScoringConfig = Readonly<z.infer<z.ZodObject<typeof telemetryScoringConfigShape>>>;

/** Vibration scoring's settings, or undefined when VIBRATION_MODEL_FILE is empty. */
export function vibrationSettingsFromConfig(c: TelemetryScoringConfig): VibrationScoringSettings | undefined {
  if (c.VIBRATION_MODEL_FILE === '') return undefined;
  return { site: c.TELEMETRY_SITE, deliverPolicy: c.TELEMETRY_DELIVER_POLICY, modelFile: c.VIBRATION_MODEL_FILE, faultClasses: c.VIBRATION_FAULT_CLASSES };
}

/** The unit's settings from the parsed config. */
export function settingsFromConfig(c: TelemetryScoringConfig): TelemetryScoringSettings {
  const model = { ...DEFAULT_DEVICE_MODEL_OPTIONS, windowSteps: c.TELEMETRY_WINDOW_STEPS, margin: c.TELEMETRY_THRESHOLD_MARGIN_PERCENT / 100 };
  const validation = { ...DEFAULT_DEVICE_FIT_OPTIONS.validation, validationShare: c.TELEMETRY_AUTO_VALIDATION_PERCENT / 100, minValidationRows: c.TELEMETRY_AUTO_VALIDATION_MIN_ROWS, tieFalseAlarmRate: c.TELEMETRY_AUTO_TIE_PERMILLE / 1000 };
  return {
    fit: { ...DEFAULT_DEVICE_FIT_OPTIONS, pca: model, validation },
    site: c.TELEMETRY_SITE,
    deliverPolicy: c.TELEMETRY_DELIVER_POLICY,
    deadLetterMaxBytes: c.DEAD_LETTER_MAX_BYTES,
    tracker: {
      stepMs: c.TELEMETRY_STEP_MS,
      discoveryMessages: c.TELEMETRY_DISCOVERY_MESSAGES,
      maxGapSteps: c.TELEMETRY_MAX_GAP_STEPS,
      enrollRows: c.TELEMETRY_ENROLL_ROWS,
      maxSensors: c.TELEMETRY_MAX_SENSORS,
      family: c.TELEMETRY_DEVICE_MODEL,
      model,
    },
  };
}
