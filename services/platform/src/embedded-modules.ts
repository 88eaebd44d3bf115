import { join, resolve } from 'node:path';
import { consoleModule } from '@premonitor/console';
import { forecastingModule } from '@premonitor/forecasting';
import { fusionModule } from '@premonitor/fusion';
import { inferenceModule } from '@premonitor/inference';
import { ingestModule } from '@premonitor/ingest';
import { modelSyncModule } from '@premonitor/model-sync';
import { notifierModule } from '@premonitor/notifier';
import { retrainingModule } from '@premonitor/retraining';
import { SHIPPED_MODEL_KINDS } from '@premonitor/registry';
import { telemetryScoringModule } from '@premonitor/telemetry-scoring';
import { hosted, type HostedModule } from '@premonitor/runtime/host';
import type { PlatformConfig } from './platform-config.js';

/** What the platform opened before the modules are built: their broker, accounts and addresses. */
export interface EmbeddedWiring {
  readonly config: PlatformConfig;
  /** The data folder, absolute. */
  readonly dataDir: string;
  /** The in-process broker's URL. */
  readonly brokerUrl: string;
  /** The shared HTTP server's URL. */
  readonly httpUrl: string;
  /** The broker accounts of ingest, model-sync and fusion, new passwords at every start. */
  readonly accounts: Readonly<Record<'ingest' | 'model-sync' | 'fusion', { readonly username: string; readonly password: string }>>;
  /** The Ed25519 key model announcements are signed with (created on first start). */
  readonly signingKeyFile: string;
}

/**
 * Embedded mode's services: the list the platform hosts, upstream first. Each module parses
 * exactly the variables below with its own config shape (the same validation as in
 * distributed mode); everything else takes the module's default. These are the embedded
 * overrides — the one place embedded mode differs from a distributed deployment
 * (docs/ARCHITECTURE.md, "Modules and hosts"):
 *
 * | module | variable | embedded value | why |
 * |---|---|---|---|
 * | all | DEAD_LETTER_MAX_BYTES, … | the platform's setting of the same name | one setting for the whole process |
 * | ingest | MQTT_URL, MQTT_USERNAME/PASSWORD | the in-process broker, account `ingest` | |
 * | ingest | MQTT_PROTOCOL_VERSION | 4 | Aedes speaks MQTT 3.1.1 |
 * | ingest | BATCH_CONCURRENCY | 1 | PGlite has one connection: a second batch would only wait |
 * | inference | INFERENCE_KIND | one entry per shipped kind | both kinds in one process |
 * | inference | BATCH_MAX_WAIT_MS | 20 | fewer, fuller batches on a host shared with everything else |
 * | inference | INSTANCE_ID | embedded | |
 * | inference | BASELINE_MIN_INTERVAL_MS | the platform's (5 s) | simulated devices enroll within minutes |
 * | inference, model-sync, forecasting | MODEL_STORE_DIR / FORECAST_MODEL_DIR | `{PM_DATA_DIR}/models` | one model registry |
 * | inference, model-sync | SHIPPED_MODELS_DIR / SEED_MODELS_DIR | PM_MODELS_DIR | shipped models seed the registry and are the last resort |
 * | model-sync | PUBLIC_BASE_URL | the shared HTTP server's `/api/v1` | |
 * | model-sync | MODEL_SIGNING_KEY_FILE (+ CREATE) | `{PM_DATA_DIR}/model-signing-key.pem` | one key per data folder |
 * | model-sync | MODEL_SYNC_REFRESH_MS | the platform's setting of the same name (30 s) | the periodic safety net; fits, promotions and devices coming online are announced at once |
 * | model-sync | HEARTBEAT_MS | 5 s | simulated agents notice the core quickly |
 * | fusion | MQTT_URL, MQTT_USERNAME/PASSWORD | the in-process broker, account `fusion` | alert state published retained per device |
 * | notifier | (whole module) | only when NOTIFIER_CONFIG_FILE is set | without routes there is nobody to notify |
 * | telemetry-scoring | TELEMETRY_ENROLL_ROWS | the platform's setting of the same name (400) | one place to change it in embedded mode |
 * | retraining | SAMPLE_STORE_DIR, MODEL_STORE_DIR | `{PM_DATA_DIR}/samples`, `{PM_DATA_DIR}/models` | labelled samples and the one model registry in the data folder |
 * | retraining | RETRAINING_THRESHOLD, _CHECK_MS, _QUICK, _MIN_SAMPLES, _HELD_OUT_PERCENT, _GATE, _SCHEDULE | the platform's variables of the same name, when set | triggers and gate tunable in embedded mode |
 * | console | (none) | | the page at `/` of the one HTTP server |
 *
 * NATS_URL, DATABASE_URL, HTTP_* and LOG_LEVEL are not read in embedded mode: the host hands
 * every module the in-process bus, PGlite, its one HTTP server and its logger.
 */
export function embeddedModules(wiring: EmbeddedWiring): HostedModule[] {
  const { config: p, accounts } = wiring;
  const modelStore = join(wiring.dataDir, 'models');
  const shippedModels = resolve(p.PM_MODELS_DIR);
  const deadLetters = { DEAD_LETTER_MAX_BYTES: String(p.DEAD_LETTER_MAX_BYTES) };
  return [
    hosted(ingestModule, {
      ...deadLetters,
      MQTT_URL: wiring.brokerUrl,
      MQTT_USERNAME: accounts.ingest.username,
      MQTT_PASSWORD: accounts.ingest.password,
      MQTT_PROTOCOL_VERSION: '4',
      BATCH_SIZE: String(p.BATCH_SIZE),
      BATCH_MAX_WAIT_MS: String(p.BATCH_MAX_WAIT_MS),
      BATCH_CONCURRENCY: '1',
      MAX_JSON_BYTES: String(p.MAX_JSON_BYTES),
      MAX_FUTURE_SKEW_MS: String(p.MAX_FUTURE_SKEW_MS),
      MAX_PAST_AGE_MS: String(p.MAX_PAST_AGE_MS),
      DEAD_LETTER_RETENTION_DAYS: String(p.DEAD_LETTER_RETENTION_DAYS),
    }),
    ...SHIPPED_MODEL_KINDS.map((kind) =>
      hosted(inferenceModule, {
        ...deadLetters,
        INFERENCE_KIND: kind,
        BATCH_MAX_WAIT_MS: '20',
        INSTANCE_ID: 'embedded',
        MODEL_STORE_DIR: modelStore,
        SHIPPED_MODELS_DIR: shippedModels,
        BASELINE_MIN_INTERVAL_MS: String(p.BASELINE_MIN_INTERVAL_MS),
      }),
    ),
    hosted(telemetryScoringModule, { ...deadLetters, TELEMETRY_ENROLL_ROWS: String(p.TELEMETRY_ENROLL_ROWS), VIBRATION_MODEL_FILE: join(shippedModels, 'vibration.onnx') }),
    hosted(fusionModule, {
      FUSION_RULES_FILE: p.FUSION_RULES_FILE,
      MQTT_URL: wiring.brokerUrl,
      MQTT_USERNAME: accounts.fusion.username,
      MQTT_PASSWORD: accounts.fusion.password,
    }),
    ...(p.NOTIFIER_CONFIG_FILE ? [hosted(notifierModule, { NOTIFIER_CONFIG_FILE: p.NOTIFIER_CONFIG_FILE })] : []),
    hosted(forecastingModule, { FORECAST_INTERVAL_MINUTES: String(p.FORECAST_INTERVAL_MINUTES), FORECAST_MODEL_DIR: modelStore }),
    hosted(retrainingModule, { SAMPLE_STORE_DIR: join(wiring.dataDir, 'samples'), MODEL_STORE_DIR: modelStore, ...retrainingSettings(p) }),
    hosted(modelSyncModule, {
      MQTT_URL: wiring.brokerUrl,
      MQTT_USERNAME: accounts['model-sync'].username,
      MQTT_PASSWORD: accounts['model-sync'].password,
      PUBLIC_BASE_URL: `${wiring.httpUrl}/api/v1`,
      MODEL_STORE_DIR: modelStore,
      SEED_MODELS_DIR: shippedModels,
      MODEL_SIGNING_KEY_FILE: wiring.signingKeyFile,
      MODEL_SIGNING_KEY_CREATE: 'true',
      MODEL_SYNC_REFRESH_MS: String(p.MODEL_SYNC_REFRESH_MS),
      HEARTBEAT_MS: '5000',
    }),
    hosted(consoleModule, {}),
  ];
}

/** The retraining settings the platform's environment sets (the module's schema checks them; unset ones keep its defaults). */
function retrainingSettings(p: EmbeddedWiring['config']): Record<string, string> {
  const keys = ['RETRAINING_THRESHOLD', 'RETRAINING_CHECK_MS', 'RETRAINING_QUICK', 'RETRAINING_MIN_SAMPLES', 'RETRAINING_HELD_OUT_PERCENT', 'RETRAINING_GATE', 'RETRAINING_SCHEDULE'] as const;
  return Object.fromEntries(keys.flatMap((k) => (p[k] === undefined ? [] : [[k, p[k]]])));
}
