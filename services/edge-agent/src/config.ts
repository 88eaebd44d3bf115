import { envBool, envEnum, envInt, envUrl } from '@premonitor/config';
import { isValidId } from '@premonitor/contracts';
import { z } from 'zod';
import { sourcesConfig } from './sources.js';

const id = (fallback: string) => z.string().refine(isValidId, 'must match [a-z0-9-]{1,64}').default(fallback);

/** What every command reads: the broker, the site, health/metrics and logging. */
export const commonConfigShape = {
  /** The broker's device listener: `mqtts://host:8883` (TLS) anywhere but a private network, `mqtt://host:1883` there. */
  MQTT_URL: envUrl(['mqtt', 'mqtts', 'ws', 'wss'], 'mqtt://127.0.0.1:1883'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** PEM CA the broker's TLS certificate must chain to (mosquitto/certs/ca.crt for development certificates); default the system's CAs. */
  MQTT_CA_FILE: z.string().min(1).optional(),
  SITE: id('site-1'),
  /** /healthz, /readyz and /metrics; 0 picks a free port. */
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envInt(9464, 0, 65_535),
  LOG_LEVEL: envEnum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
};

/** `simulate`: DEVICE_COUNT simulated devices. */
export const simulateConfigShape = {
  ...commonConfigShape,
  DEVICE_COUNT: envInt(3, 0, 10_000),
  TELEMETRY_INTERVAL_MS: envInt(1_000, 1, 86_400_000),
  ACOUSTIC_INTERVAL_MS: envInt(0, 0, 86_400_000),
  THERMAL_INTERVAL_MS: envInt(0, 0, 86_400_000),
  SEED: envInt(1, 0, 0xffff_ffff),
};

/** `replay <csv>`: one CSV file as one device. */
export const replayConfigShape = {
  ...commonConfigShape,
  /** The file to replay when the command line names none. */
  REPLAY_CSV: z.string().min(1).optional(),
  REPLAY_DEVICE: id('replay-001'),
  REPLAY_SPEEDUP: z
    .string()
    .regex(/^(\d+(\.\d+)?|Infinity)$/, 'must be a number ≥ 0 (0 or Infinity = as fast as possible)')
    .transform(Number)
    .default(1),
};

/** `run`: the agent on the device. */
export const agentConfigShape = {
  ...commonConfigShape,
  /** This device's id; its MQTT username is `{SITE}/{EDGE_DEVICE}`. */
  EDGE_DEVICE: z.string({ error: 'required: this device\'s id (its MQTT username is {SITE}/{EDGE_DEVICE})' }).refine(isValidId, 'must match [a-z0-9-]{1,64}'),
  /** JSON array of sensor sources (see services/edge-agent/README.md). */
  EDGE_SOURCES: sourcesConfig.default([]),
  /** Queue, models, sequence number and local alert log. */
  EDGE_DATA_DIR: z.string().min(1).default('/var/lib/premonitor-edge'),
  /** Shipped models copied in on first start (the repository's models/). */
  EDGE_SEED_MODELS_DIR: z.string().min(1).default(new URL('../../../models/', import.meta.url).pathname),
  EDGE_ACOUSTIC_MODEL_FILE: z.string().min(1).default('acoustic.onnx'),
  /** The vibration model in EDGE_SEED_MODELS_DIR scoring `vibration-folder` windows locally; empty = forward them unscored. */
  EDGE_VIBRATION_MODEL_FILE: z.string().default('vibration.onnx'),
  /** Comma-separated fault classes of the vibration model (as telemetry-scoring's VIBRATION_FAULT_CLASSES). */
  EDGE_VIBRATION_FAULT_CLASSES: z
    .string()
    .default('low+weight,med+weight,high+weight')
    .transform((s) => s.split(',').map((c) => c.trim()).filter((c) => c.length > 0)),
  QUEUE_MAX_BYTES: envInt(256 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024 * 1024),
  /** Queued records older than this are dropped (counted); 0 = no limit. */
  QUEUE_MAX_AGE_S: envInt(7 * 86_400, 0, 365 * 86_400),
  QUEUE_FSYNC: envEnum(['always', 'interval', 'never'], 'interval'),
  QUEUE_REPLAY_PER_S: envInt(200, 1, 100_000),
  /** Frames kept while the broker is unreachable. */
  QUEUE_FRAMES: envEnum(['all', 'sampled', 'anomaly'], 'anomaly'),
  QUEUE_FRAMES_SAMPLE_EVERY: envInt(10, 1, 100_000),
  QUEUE_FRAMES_CONTEXT: envInt(2, 0, 100),
  /** Core heartbeat timeout, s; 0 = the core counts as reachable while the broker is. */
  CORE_HEARTBEAT_TIMEOUT_S: envInt(0, 0, 86_400),
  /** Local alerts while the core is unreachable also go here. */
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_FORMAT: envEnum(['discord', 'json'], 'json'),
  MODEL_MAX_BYTES: envInt(32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /**
   * The core's model signing public key(s): base64 (what `model-sync public-key` prints), several
   * separated by commas during a key rotation. Model updates not signed by one of them are refused.
   */
  EDGE_MODEL_PUBLIC_KEY: z.string().min(1).optional(),
  /** A file of such keys (base64 lines or PEM blocks), added to EDGE_MODEL_PUBLIC_KEY. */
  EDGE_MODEL_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  STATUS_INTERVAL_S: envInt(30, 1, 86_400),
  /** Enroll this device's own healthy baselines and score against them once enrolled (as the core does). */
  BASELINES_ENABLED: envBool(true),
  /** Least time between two enrollment samples, ms. */
  BASELINE_MIN_INTERVAL_MS: envInt(30_000, 0, 86_400_000),
  /** `commissioning` (default): the device enrolls from its first frames whatever the fleet says; `fleet`: only frames the fleet finds healthy (as the core's ENROLLMENT_GATE). */
  ENROLLMENT_GATE: envEnum(['commissioning', 'fleet'], 'commissioning'),
  /** False alarms per day the device's own threshold allows, at the frame rate it showed while enrolling; unset = the model's (1). */
  DEVICE_FALSE_ALARMS_PER_DAY: z.coerce.number({ message: 'must be a positive number' }).positive('must be above 0').optional(),
};
