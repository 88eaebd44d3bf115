/** Exponential backoff bounds for re-delivery attempts. */
export interface BackoffPolicy {
  /** Delay before the first retry (before jitter), ms. */
  readonly baseMs: number;
  /** Upper bound of any delay, ms. */
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential with "equal
 * jitter" — half fixed, half random — so a fleet of failed deliveries does not retry in
 * lockstep, yet never retries immediately. Retries are rows with a due time in the outbox,
 * not an in-memory loop, which is why this is a formula and not a retry library.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into ms from `nowMs`; undefined when
 * absent or unparseable. Capped at `maxMs` so a hostile receiver cannot park a channel forever.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, maxMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (!Number.isFinite(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(maxMs, Math.max(0, Math.round(ms)));
}
