import { z } from 'zod';
import { coreConfigShape, envEnum, envInt, envPort, envUrl } from '@premonitor/config';

/** The notifier's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const notifierConfigShape = {
  ...coreConfigShape({ httpPort: 8082, databasePoolSize: 4 }),
  /** JSON file with channels and routes (see the package README). */
  NOTIFIER_CONFIG_FILE: z.string().min(1, 'must name the routing file (JSON)'),
  /** Durable consumer name on PM_ALERTS. */
  NOTIFIER_DURABLE: z.string().regex(/^[A-Za-z0-9_-]+$/).default('notifier'),
  /** Where a new durable starts on PM_ALERTS: every stored transition (default), or only new ones. */
  NOTIFIER_DELIVER_POLICY: envEnum(['all', 'new'], 'all'),
  /** Longest sleep of an idle channel queue between outbox reads, ms (work from this process wakes it at once). */
  NOTIFIER_IDLE_POLL_MS: envInt(5_000, 10, 600_000),
  /** How long this replica's claim on outbox items lasts before another replica may take them, ms. */
  NOTIFIER_LEASE_MS: envInt(15_000, 1_000, 600_000),
  /** How long SIGTERM waits for requests in flight, ms. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 0, 120_000),
};

export type NotifierConfig = Readonly<z.infer<z.ZodObject<typeof notifierConfigShape>>>;
