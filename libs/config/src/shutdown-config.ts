import { envInt } from './env-types.js';

/** Shutdown settings every process host reads; spread into each service's config shape. */
export const shutdownConfigShape = {
  /**
   * Longest a SIGINT/SIGTERM drain may take, ms. After it the process exits with code 1 and
   * names the components still stopping; unacknowledged work stays with the broker or the bus.
   * A second signal exits at once.
   */
  SHUTDOWN_TIMEOUT_MS: envInt(20_000, 100, 600_000),
};
