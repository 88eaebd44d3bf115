import { z } from 'zod';
import { coreConfigShape, mqttClientConfigShape, envEnum, envInt, envPort, envUrl } from '@premonitor/config';

/** Ingest's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const ingestConfigShape = {
  ...coreConfigShape({ httpPort: 8080, databasePoolSize: 8 }),
  /** MQTT_USERNAME: a core account with the role `ingest` (mosquitto/add-core-user.sh NAME ingest). */
  ...mqttClientConfigShape,
  /**
   * Stable client id: the broker keeps this session's queue while ingest restarts. Default
   * `premonitor-{MQTT_USERNAME}` (`premonitor-ingest`); each replica of a scaled ingest needs its
   * own, `premonitor-{MQTT_USERNAME}.{replica}` — the only ids the embedded broker lets the account use.
   */
  MQTT_CLIENT_ID: z.string().min(1).optional(),
  /** Shared-subscription group so replicas split the load (`$share/<group>/…`); empty = plain subscriptions. */
  MQTT_SHARED_GROUP: z.string().regex(/^[A-Za-z0-9_-]*$/).default(''),
  /** Most unacknowledged messages in flight from the broker (MQTT 5 Receive Maximum). */
  MQTT_RECEIVE_MAXIMUM: envInt(20_000, 1, 65_535),
  /** 5 for Mosquitto (Receive Maximum flow control), 4 (MQTT 3.1.1) for brokers without v5. */
  MQTT_PROTOCOL_VERSION: z.enum(['4', '5']).default('5').transform((v) => (v === '4' ? 4 : 5) as 4 | 5),
  /** Telemetry messages per database batch. */
  BATCH_SIZE: envInt(1_000, 1, 50_000),
  /** Longest a message waits for its batch, ms. */
  BATCH_MAX_WAIT_MS: envInt(50, 1, 60_000),
  /** Telemetry batches written at once (each on its own pool connection). */
  BATCH_CONCURRENCY: envInt(2, 1, 16),
  MAX_JSON_BYTES: envInt(64 * 1024, 256, 16 * 1024 * 1024),
  /** A device clock may run ahead of ours by this much, ms. */
  MAX_FUTURE_SKEW_MS: envInt(5 * 60_000, 0),
  /** Oldest device timestamp accepted (store-and-forward replays), ms. */
  MAX_PAST_AGE_MS: envInt(7 * 24 * 3_600_000, 0),
  /**
   * `off`: telemetry commits do not wait for the WAL flush. Cheaper for PostgreSQL, but a
   * database crash can lose up to ~3 × wal_writer_delay of telemetry already acknowledged to
   * devices (which will not resend it). `on` (default) keeps every acknowledged reading.
   */
  TELEMETRY_SYNCHRONOUS_COMMIT: z.enum(['on', 'off']).default('on'),
  DEAD_LETTER_MAX_BYTES: envInt(64 * 1024, 0, 16 * 1024 * 1024),
  /** Days dead letters are kept; older ones are removed hourly in bounded batches. 0 keeps them forever. */
  DEAD_LETTER_RETENTION_DAYS: envInt(30, 0, 36_500),
  /** Longest the drain on shutdown may take, ms; what is left stays unacknowledged with the broker. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 100, 600_000),
};

export type IngestConfig = Readonly<z.infer<z.ZodObject<typeof ingestConfigShape>>>;
