import { systemClock, type Clock } from '@premonitor/time';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { classifyFailure, type FailureKind } from './failure-kind.js';
import { isolatePoison, type Poisoned } from './isolate-poison.js';

/** The owner stopped while a batch was still failing: nothing of it was settled. */
export class AbandonedError extends Error {
  override readonly name = 'AbandonedError';
}

/** How {@link persistIsolating} writes, waits and reports. */
export interface PersistOptions<T> {
  /** Writes a batch (or a part of one) completely, or rejects. */
  readonly write: (items: readonly T[]) => Promise<unknown>;
  /** Called once per item the write refuses on its own (dead-letter it, acknowledge it). */
  readonly onPoison: (poisoned: Poisoned<T>) => void | Promise<void>;
  /** Called before each wait, with the attempt number and what the failure was judged to be. */
  readonly onRetry?: (err: unknown, attempt: number, kind: FailureKind) => void;
  /** True once the owner is stopping: a failing batch is then abandoned instead of retried. */
  readonly stopped: () => boolean;
  readonly backoff?: BackoffPolicy;
  /** Tries of the whole batch on an unknown error before it is searched for poison (default 5). */
  readonly unknownAttempts?: number;
  readonly classify?: (err: unknown) => FailureKind;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** Default retry pacing of batch writes: 100 ms, doubling, capped at 5 s (with jitter). */
export const BATCH_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 100, maxMs: 5_000 });

/**
 * Writes `items` until they are stored or isolated: a transient failure (database down) is
 * retried with capped exponential backoff for as long as it lasts, so nothing valid is ever
 * dropped; a permanent one — or an unknown one `unknownAttempts` times in a row — makes the
 * batch be split until the items it cannot take are found (`onPoison`), and the rest written.
 * Rejects only with `AbandonedError`, when `stopped()` turns true while it is still failing.
 */
export async function persistIsolating<T>(items: readonly T[], o: PersistOptions<T>): Promise<void> {
  const classify = o.classify ?? classifyFailure;
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const unknownAttempts = o.unknownAttempts ?? 5;
  let pending = items;
  let unknown = 0;
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    let kind: FailureKind;
    try {
      await o.write(pending);
      return;
    } catch (err) {
      failure = err;
      kind = classify(err);
    }
    // Once stopping, nothing is judged poison any more: the database may be closing under us.
    if (o.stopped()) throw new AbandonedError(`gave up on ${pending.length} item(s) at shutdown`, { cause: failure });
    if (kind !== 'transient' && (kind === 'permanent' || ++unknown >= unknownAttempts)) {
      const found = await isolatePoison(pending, failure, o.write, classify);
      for (const p of found.poisoned) await o.onPoison(p);
      if (found.retry.length === 0) return;
      pending = found.retry;
      failure = found.retryError;
      kind = 'transient';
      unknown = 0;
    }
    o.onRetry?.(failure, attempt, kind);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, backoffDelayMs(attempt, o.backoff ?? BATCH_BACKOFF, random)));
    if (o.stopped()) throw new AbandonedError(`gave up on ${pending.length} item(s) at shutdown`, { cause: failure });
  }
}
