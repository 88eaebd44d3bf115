import { z } from 'zod';
import { coreConfigShape, envEnum, envInt, envPort, envUrl } from '@premonitor/config';

/** Fusion's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const fusionConfigShape = {
  ...coreConfigShape({ httpPort: 8081, databasePoolSize: 8 }),
  /** JSON rules file; unset = the defaults, patched by the fusion_rules table. */
  FUSION_RULES_FILE: z.string().min(1).optional(),
  /** How often the rules file and table are re-read, ms (0 = at start only; SIGHUP reloads too). */
  FUSION_RULES_RELOAD_MS: envInt(60_000, 0),
  /** Period of the silence / quiet-period checks, ms. */
  FUSION_TICK_MS: envInt(1_000, 10, 60_000),
  /** Durable consumer name prefix; replicas share it. */
  FUSION_DURABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only').default('fusion'),
  /** Only this site's events; `*` for all. */
  FUSION_SITE: z.string().regex(/^(\*|[a-z0-9-]{1,64})$/, 'must be * or a site id').default('*'),
  FUSION_DELIVER_POLICY: envEnum(['all', 'new'], 'all'),
  FUSION_ACK_WAIT_MS: envInt(30_000, 1_000),
  /** Events applied at once across devices; each device's events stay in order. */
  FUSION_CONCURRENCY: envInt(32, 1, 1_024),
  /** How long applied events are remembered, hours: a redelivery within it changes nothing (0 = forever). */
  FUSION_DEDUP_RETENTION_HOURS: envInt(48, 0, 87_600),
  /**
   * Core listener for the retained per-device alert state on `premonitor/v1/{site}/{device}/alert`;
   * unset = not published. The account needs the `fusion` role (mosquitto/add-core-user.sh NAME fusion).
   */
  MQTT_URL: envUrl(['mqtt', 'mqtts', 'tcp', 'ws', 'wss']).optional(),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** 4 = MQTT 3.1.1 (Aedes, the embedded broker), 5 = MQTT 5. */
  MQTT_PROTOCOL_VERSION: z.enum(['4', '5']).default('4').transform((v) => (v === '4' ? 4 : 5) as 4 | 5),
  /** Most devices waiting for an alert-state publish while the broker is away; past it every device is republished on reconnect. */
  FUSION_MQTT_MAX_PENDING: envInt(10_000, 1, 1_000_000),
  /**
   * Device partitions replicas share (each consumed by one replica under a lease); 0 = not
   * partitioned: this process consumes every device, so run one replica only. Every replica
   * must use the same count; each partition costs one delivery of every fusion input event.
   */
  FUSION_PARTITIONS: envInt(0, 0, 256),
  /** How long a replica's partition lease lasts without renewal, ms: how soon a dead replica's devices are taken over. */
  FUSION_PARTITION_LEASE_MS: envInt(15_000, 1_000, 600_000),
  /**
   * This replica's name (e.g. the pod name), `[a-z0-9-]{1,64}`: its MQTT client id is
   * `premonitor-{account}.{name}`, so replicas never take over each other's connection. Unset: a random name per start.
   */
  FUSION_REPLICA_NAME: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}').optional(),
  /** Longest the drain on shutdown may take, ms; what is not acknowledged by then is redelivered by the bus. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 100, 600_000),
};

export type FusionConfig = Readonly<z.infer<z.ZodObject<typeof fusionConfigShape>>>;
