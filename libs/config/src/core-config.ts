import { z } from 'zod';
import { envEnum, envInt, envPort, envUrl } from './env-types.js';
import { shutdownConfigShape } from './shutdown-config.js';

/** Log levels every process accepts in `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What differs between the core services in {@link coreConfigShape}. */
export interface CoreConfigDefaults {
  /** Default HTTP_PORT: distinct per service so several can run side by side on one host (README, ports). */
  readonly httpPort: number;
  /** Default DATABASE_POOL_SIZE. */
  readonly databasePoolSize: number;
}

/**
 * The settings every core service reads, declared once: the bus, the database, the HTTP
 * listener for `/healthz`, `/readyz`, `/metrics` and its API, the log level and the shutdown
 * bound. Each service's config shape spreads it and adds its own variables.
 */
export function coreConfigShape(defaults: CoreConfigDefaults) {
  return {
    NATS_URL: envUrl(['nats', 'tls', 'ws', 'wss'], 'nats://127.0.0.1:4222'),
    // Copies of every JetStream stream, set on the streams at start-up: 3 on a 3-node cluster.
    NATS_STREAM_REPLICAS: envInt(1, 1, 5),
    DATABASE_URL: envUrl(['postgres', 'postgresql'], 'postgres://postgres@127.0.0.1:5432/premonitor'),
    DATABASE_POOL_SIZE: envInt(defaults.databasePoolSize, 1, 100),
    // `off` when DATABASE_URL's user is a least-privilege service role: the migrate Job (as the
    // owner) changes the schema; the service only checks that every migration it needs was applied.
    DATABASE_MIGRATE: envEnum(['on', 'off'], 'on'),
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: envPort(defaults.httpPort),
    LOG_LEVEL: envEnum(LOG_LEVELS, 'info'),
    ...shutdownConfigShape,
  };
}

/**
 * The broker connection of a core service that talks MQTT (ingest, model-sync): the core
 * listener (Mosquitto: port 1884 of mosquitto/mosquitto.conf) and a core account
 * (`mosquitto/add-core-user.sh NAME ROLE`).
 */
export const mqttClientConfigShape = {
  MQTT_URL: envUrl(['mqtt', 'mqtts', 'tcp', 'ws', 'wss'], 'mqtt://127.0.0.1:1884'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
};
