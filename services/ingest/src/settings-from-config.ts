import { coreClientId } from '@premonitor/contracts';
import type { IngestConfig } from './ingest-config.js';
import type { IngestSettings } from './ingest.js';

/** Maps the environment-level config onto ingest's settings. */
export function settingsFromConfig(config: IngestConfig): IngestSettings {
  return {
    mqtt: {
      url: config.MQTT_URL,
      username: config.MQTT_USERNAME,
      password: config.MQTT_PASSWORD,
      clientId: config.MQTT_CLIENT_ID ?? coreClientId(config.MQTT_USERNAME ?? 'ingest'),
      sharedGroup: config.MQTT_SHARED_GROUP,
      receiveMaximum: config.MQTT_RECEIVE_MAXIMUM,
      protocolVersion: config.MQTT_PROTOCOL_VERSION,
    },
    batchSize: config.BATCH_SIZE,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    batchConcurrency: config.BATCH_CONCURRENCY,
    deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
    deadLetterRetentionDays: config.DEAD_LETTER_RETENTION_DAYS,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    synchronousCommit: config.TELEMETRY_SYNCHRONOUS_COMMIT === 'on',
    limits: { maxJsonBytes: config.MAX_JSON_BYTES, maxFutureSkewMs: config.MAX_FUTURE_SKEW_MS, maxPastAgeMs: config.MAX_PAST_AGE_MS },
  };
}
