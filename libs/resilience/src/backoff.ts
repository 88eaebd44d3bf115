/** Exponential backoff bounds for retries (deliveries, batch writes, nak delays). */
export interface BackoffPolicy {
  /** Delay before the first retry (before jitter), ms. */
  readonly baseMs: number;
  /** Upper bound of any delay, ms. */
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential with "equal
 * jitter" — half fixed, half random — so a fleet of failed deliveries does not retry in
 * lockstep, yet never retries immediately. The one backoff of the platform: the notifier's
 * outbox, ingest's batch retries, every bus consumer's nak delays and the edge agent's source
 * restarts use it (`@premonitor/resilience/backoff` loads only this file). A formula, not a
 * retry library, because the retries themselves live in different places (outbox rows with a
 * due time, JetStream naks, batch loops).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * `random` for a backoff without jitter: every delay is the full exponential step. For a lone
 * client with nobody to fall into lockstep with (an edge agent restarting its own sensor).
 */
export const noJitter = (): number => 1;
