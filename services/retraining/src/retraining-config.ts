import { Cron } from 'croner';
import { z } from 'zod';
import { coreConfigShape, envBool, envInt, envJson, envNumber } from '@premonitor/config';
import { DEFAULT_GATE_POLICY, gatePolicySchema, type GatePolicy } from './runs/promotion-gate.js';

/** Retraining's settings, by environment variable. Parsed once with `loadConfig`. */
export const retrainingConfigShape = {
  ...coreConfigShape({ httpPort: 8087, databasePoolSize: 4 }),
  /** Folder of the content-addressed sample files. */
  SAMPLE_STORE_DIR: z.string().min(1).default('.data/samples'),
  /** Folder of the model registry's artifacts (the same folder inference and model-sync use). */
  MODEL_STORE_DIR: z.string().min(1).default('.data/models'),
  /** Largest sample file, bytes. */
  SAMPLE_MAX_FILE_BYTES: envInt(16 * 1024 * 1024, 1_024, 256 * 1024 * 1024),
  /** Largest upload request, bytes (all its files and fields). */
  SAMPLE_MAX_REQUEST_BYTES: envInt(64 * 1024 * 1024, 1_024, 1024 * 1024 * 1024),
  /** Most files in one upload request. */
  SAMPLE_MAX_FILES: envInt(64, 1, 1_000),
  /** Longest WAV sample, seconds. */
  SAMPLE_MAX_SECONDS: envInt(10, 1, 600),
  /** Smallest and largest side of a thermal sample, pixels. */
  SAMPLE_THERMAL_MIN_SIDE: envInt(8, 1, 4_096),
  SAMPLE_THERMAL_MAX_SIDE: envInt(1_024, 1, 4_096),
  /** A run's lease lasts this long without renewal: a run whose process died is failed after it, ms. */
  RETRAINING_LEASE_MS: envInt(60_000, 1_000, 3_600_000),
  /** How often a process renews its runs' leases and fails expired ones, ms. */
  RETRAINING_RENEW_MS: envInt(10_000, 100, 600_000),
  /** CPU priority of a run's training process, a nice value: 19 (the lowest) lets scoring and the API go first. */
  RETRAINING_TRAIN_NICE: envInt(19, 0, 19),
  /** Share of devices (or device-less samples) held out for the champion/challenger gate, percent. */
  RETRAINING_HELD_OUT_PERCENT: envInt(30, 5, 80),
  /** Fewest labelled samples (both labels present) a run trains on. */
  RETRAINING_MIN_SAMPLES: envInt(20, 2, 1_000_000),
  /**
   * The gate per kind, JSON: `{"thermal": {"main": "auc", "guarded": ["auc", "recall_at_fpr5"],
   * "floor": {"auc": 0.9}, "tolerance": 0.02, "minGain": 0.005}}`; kinds not named take the default.
   */
  RETRAINING_GATE: envJson(z.record(z.string(), gatePolicySchema), '{}').transform((byKind) => (kind: string): GatePolicy => byKind[kind] ?? DEFAULT_GATE_POLICY),
  /** Frames this long before an alert's first raise and after its last are labelled by a verdict on it, ms. */
  FEEDBACK_MARGIN_MS: envInt(60_000, 0, 86_400_000),
  /** New labelled samples of a kind since its last run that start a run; 0 turns the trigger off. */
  RETRAINING_THRESHOLD: envInt(100, 0, 1_000_000),
  /** Cron expression (UTC) of scheduled runs, e.g. `0 3 * * 0` (Sundays 03:00); empty: none. */
  RETRAINING_SCHEDULE: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || isCron(s), 'must be a cron expression such as "0 3 * * 0"'),
  /** Triggered runs use the trainers' quick plan (small corpus, few epochs): tests and small machines. */
  RETRAINING_QUICK: envBool(false),
  /** How often the triggers are looked at, ms. */
  RETRAINING_CHECK_MS: envInt(60_000, 100, 86_400_000),
  /** A drift event (a device's scores left the model's reference) starts a run of that kind (under the lease). */
  RETRAINING_ON_DRIFT: envBool(true),
  /** Latest scores kept per (kind, device): the live side of the drift comparison. */
  DRIFT_WINDOW: envInt(300, 10, 100_000),
  /** Fewest scores in a device's window before its drift is judged. */
  DRIFT_MIN_WINDOW: envInt(100, 10, 100_000),
  /** Quantile bins of a reference distribution. */
  DRIFT_BINS: envInt(10, 2, 100),
  /** Population stability index at or above which a device's scores have drifted (0.25: a significant shift). */
  DRIFT_PSI_THRESHOLD: envNumber(0.25, 0.01, 100),
  /** Jensen–Shannon distance (base 2, 0…1) at or above which a device's scores have drifted. */
  DRIFT_JS_THRESHOLD: envNumber(0.3, 0.01, 1),
  /** Frames a model without a held-out reference scores before its live reference is fixed (kind-wide). */
  DRIFT_REFERENCE_FRAMES: envInt(500, 10, 1_000_000),
  /** A frame scored above this counts as over the alert threshold (fusion's anomaly rules raise above 0.85). */
  DRIFT_ALERT_SCORE: envNumber(0.85, 0, 1),
  /** Prefix of the model watch's durable consumers (`<prefix>-model-scores`, `<prefix>-model-promotions`). */
  MODEL_WATCH_DURABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match [A-Za-z0-9_-]{1,64}').default('retraining'),
  /** Only this site's scores are watched (`*`: every site); lets tests and per-site deployments narrow. */
  MODEL_WATCH_SITE: z.string().regex(/^(\*|[a-z0-9-]{1,64})$/, 'must be * or a site id').default('*'),
  /** How long a promoted model is watched before it is kept, ms. */
  ROLLOUT_WATCH_MS: envInt(3_600_000, 1_000, 7 * 86_400_000),
  /** Fewest frames of the new model (all devices) before the watch may roll it back. */
  ROLLOUT_MIN_FRAMES: envInt(200, 1, 1_000_000),
  /** Fewest frames of one device before its over-threshold rate is compared. */
  ROLLOUT_MIN_DEVICE_FRAMES: envInt(20, 1, 1_000_000),
  /** Rollback when a device's share of frames over the alert score exceeds the previous model's reference share by more than this. */
  ROLLOUT_MAX_OVER_RATE_RISE: envNumber(0.2, 0, 1),
  /** Rollback when the new model's scores (all devices) differ from the previous model's reference by a PSI above this. */
  ROLLOUT_MAX_PSI: envNumber(2, 0.01, 100),
  /** A replica counts its frames of a watch into the database, and judges the watch's totals, once this many wait… */
  ROLLOUT_JUDGE_EVERY_FRAMES: envInt(50, 1, 100_000),
  /** …or once the oldest has waited this long, ms (and when it stops): not a query per frame. */
  ROLLOUT_JUDGE_EVERY_MS: envInt(1_000, 10, 60_000),
  /** A rollback claimed by a replica and not recorded after this long (ms; the replica died) is taken over by another. */
  ROLLOUT_CLAIM_LEASE_MS: envInt(60_000, 1_000, 3_600_000),
};

function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true });
    return true;
  } catch {
    return false;
  }
}

export type RetrainingConfig = z.infer<z.ZodObject<typeof retrainingConfigShape>>;
