import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { authConfigShape, envBool, envEnum, envInt, envPort, shutdownConfigShape } from '@premonitor/config';

/**
 * Embedded mode's settings, by environment variable. Defaults avoid the standard ports
 * (1883, 8080) because a developer machine often runs a Mosquitto or a web server there.
 */
export const platformConfigShape = {
  /**
   * Where PGlite keeps the database and the broker its device credentials. One process owns it
   * (`premonitor.lock` inside): a second start on the same folder is refused.
   */
  PM_DATA_DIR: z.string().min(1).default('.data'),
  /**
   * An empty PGlite database copied in place of initdb on a first start (unset = initdb). The
   * test runner sets it so that each test's platform skips seconds of WASM bootstrap.
   */
  PGLITE_TEMPLATE_DIR: z.string().min(1).optional(),
  /** Shipped ONNX models registered on first start (default: the repository's models/). */
  PM_MODELS_DIR: z.string().min(1).default(fileURLToPath(new URL('../../../models/', import.meta.url))),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envPort(8787),
  MQTT_HOST: z.string().default('127.0.0.1'),
  MQTT_PORT: envPort(1885),
  /**
   * An MQTT-over-TLS listener beside the plain one (devices off a private network); unset = none.
   * Needs MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE (PEM; mosquitto/make-dev-certs.sh makes development ones).
   */
  MQTT_TLS_PORT: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().max(65_535, 'must be ≤ 65535'))
    .optional(),
  MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Simulated devices started in-process (0 = none; real devices can still connect). */
  SIM_DEVICES: envInt(3, 0, 10_000),
  SIM_SITE: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}').default('demo'),
  SIM_TELEMETRY_INTERVAL_MS: envInt(1_000, 10),
  /** 0 disables simulated audio / thermal frames. */
  SIM_ACOUSTIC_INTERVAL_MS: envInt(5_000, 0),
  /**
   * Least time between two baseline enrollment samples of a device, ms. Shorter than a
   * distributed deployment's 30 s so the simulated devices enroll within minutes
   * (acoustic: 16 clips, thermal: 80 frames; GET /api/v1/inference/{kind}/baselines).
   */
  BASELINE_MIN_INTERVAL_MS: envInt(5_000, 0, 86_400_000),
  SIM_THERMAL_INTERVAL_MS: envInt(2_000, 0),
  /** The periodic one-line summary, ms (0 = off). */
  SUMMARY_INTERVAL_MS: envInt(10_000, 0),
  BATCH_SIZE: envInt(1_000, 1, 50_000),
  BATCH_MAX_WAIT_MS: envInt(50, 1, 60_000),
  MAX_JSON_BYTES: envInt(64 * 1024, 256, 16 * 1024 * 1024),
  MAX_FUTURE_SKEW_MS: envInt(5 * 60_000, 0),
  MAX_PAST_AGE_MS: envInt(7 * 24 * 3_600_000, 0),
  DEAD_LETTER_MAX_BYTES: envInt(64 * 1024, 0, 16 * 1024 * 1024),
  /** Days dead letters are kept (ingest prunes them hourly); 0 keeps them forever. */
  DEAD_LETTER_RETENTION_DAYS: envInt(30, 0, 36_500),
  /** Alert rules (JSON, see services/fusion/README.md); built-in defaults when unset. */
  FUSION_RULES_FILE: z.string().min(1).optional(),
  /** Notification channels and routes (JSON, see services/notifier/README.md); none when unset. */
  NOTIFIER_CONFIG_FILE: z.string().min(1).optional(),
  /** Complete rows a device's telemetry model is fitted on (telemetry scoring; 400 s of a 1 Hz device). */
  TELEMETRY_ENROLL_ROWS: envInt(400, 50, 1_000_000),
  /**
   * Model sync's periodic check for models and devices to announce, ms. Only the safety net: a
   * promotion, a device coming online and a device's new telemetry model are announced at once.
   */
  MODEL_SYNC_REFRESH_MS: envInt(30_000, 1_000, 86_400_000),
  /** Forecast every trained sensor model this often, minutes (0 = only on request). */
  FORECAST_INTERVAL_MINUTES: envInt(15, 0, 24 * 60),
  /**
   * Retraining's run settings, handed to the module as given (its own schema checks them and
   * holds the defaults): the count trigger, how often triggers are looked at, the quick plan
   * for triggered runs, the fewest samples, the held-out share, the gate. Unset: its defaults.
   */
  RETRAINING_THRESHOLD: z.string().optional(),
  RETRAINING_CHECK_MS: z.string().optional(),
  RETRAINING_QUICK: z.string().optional(),
  RETRAINING_MIN_SAMPLES: z.string().optional(),
  RETRAINING_HELD_OUT_PERCENT: z.string().optional(),
  RETRAINING_GATE: z.string().optional(),
  RETRAINING_SCHEDULE: z.string().optional(),
  /**
   * Disk the broker's journal (`{PM_DATA_DIR}/mqtt-journal`) may use, MiB: every device message is
   * written there before it is acknowledged, so a crash loses none; when full (ingest not storing
   * for long), device messages are refused until it has room. 0 turns the journal off (a crash
   * then loses what was acknowledged and not yet stored).
   */
  MQTT_JOURNAL_MAX_MB: envInt(512, 0, 1_048_576),
  /** Allow MQTT clients without credentials (development only). */
  MQTT_ALLOW_ANONYMOUS: envBool(false),
  LOG_LEVEL: envEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'warn'),
  ...shutdownConfigShape,
  ...authConfigShape,
};

export type PlatformConfig = Readonly<z.infer<z.ZodObject<typeof platformConfigShape>>>;
