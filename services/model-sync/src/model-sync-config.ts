import { z } from 'zod';
import { coreConfigShape, mqttClientConfigShape, envBool, envEnum, envInt, envUrl, type loadConfig } from '@premonitor/config';

/** Settings of the model-sync service, by environment variable. */
export const modelSyncConfigShape = {
  ...coreConfigShape({ httpPort: 8090, databasePoolSize: 4 }),
  /**
   * MQTT_USERNAME: a core account with the role `model-sync`: it writes every device's model and
   * command topics and reads their status. Its client id is `premonitor-{MQTT_USERNAME}`.
   */
  ...mqttClientConfigShape,
  /** The registry's artifact folder (shared with the services that register models). */
  MODEL_STORE_DIR: z.string().min(1).default('.data/models'),
  /**
   * Folder of shipped models (`{kind}.onnx`, e.g. the repository's `models/`, `/app/models` in the
   * image). When set, each kind without a production model gets its shipped model registered
   * (and so promoted) at start, before the first announcement. Unset = no seeding.
   */
  SEED_MODELS_DIR: z.string().min(1).optional(),
  /** Base URL devices download models from; must reach this service's `/api/v1`. */
  PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:8090/api/v1'),
  MODEL_SYNC_REFRESH_MS: envInt(60_000, 1_000, 86_400_000),
  /**
   * The Ed25519 private key (PKCS#8 PEM file) announcements are signed with; agents hold its
   * public key. Create it with `model-sync keygen --out FILE`; keep it mode 0600 / in a secret.
   */
  MODEL_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The same key as PEM text, for secret stores that inject variables; wins over the file. */
  MODEL_SIGNING_KEY: z.string().min(1).optional(),
  /** Create MODEL_SIGNING_KEY_FILE (0600) when it does not exist: for evaluation set-ups, not production. */
  MODEL_SIGNING_KEY_CREATE: envBool(false),
  /** Core heartbeat on `…/{device}/command/heartbeat`; 0 = off (agents then rely on the broker connection). */
  HEARTBEAT_MS: envInt(10_000, 0, 3_600_000),
  /** Longest the drain on shutdown may take, ms; what is not acknowledged by then is redelivered by the bus. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 100, 600_000),
};

/** Parsed once in main.ts. */
export type ModelSyncConfig = ReturnType<typeof loadConfig<typeof modelSyncConfigShape>>;
