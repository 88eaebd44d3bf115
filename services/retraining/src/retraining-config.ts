import { Cron } from 'croner';
import { z } from 'zod';
import { coreConfigShape, envBool, envInt, envJson } from '@premonitor/config';
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
