import { z } from 'zod';
import { envEnum, envInt, envPort, envUrl, shutdownConfigShape } from '@premonitor/config';

/** The notifier's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const notifierConfigShape = {
  NATS_URL: envUrl(['nats', 'tls', 'ws', 'wss'], 'nats://127.0.0.1:4222'),
  DATABASE_URL: envUrl(['postgres', 'postgresql'], 'postgres://postgres@127.0.0.1:5432/premonitor'),
  DATABASE_POOL_SIZE: envInt(4, 1, 100),
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: envPort(8083),
  /** JSON file with channels and routes (see the package README). */
  NOTIFIER_CONFIG_FILE: z.string().min(1, 'must name the routing file (JSON)'),
  /** Durable consumer name on PM_ALERTS. */
  NOTIFIER_DURABLE: z.string().regex(/^[A-Za-z0-9_-]+$/).default('notifier'),
  /** Where a new durable starts on PM_ALERTS: every stored transition (default), or only new ones. */
  NOTIFIER_DELIVER_POLICY: envEnum(['all', 'new'], 'all'),
  /** Longest sleep of an idle channel queue between outbox reads, ms (work from this process wakes it at once). */
  NOTIFIER_IDLE_POLL_MS: envInt(5_000, 10, 600_000),
  /** How long SIGTERM waits for requests in flight, ms. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 0, 120_000),
  LOG_LEVEL: envEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  ...shutdownConfigShape,
};

export type NotifierConfig = Readonly<z.infer<z.ZodObject<typeof notifierConfigShape>>>;
