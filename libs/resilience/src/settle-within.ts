import { systemClock, type Clock } from '@premonitor/time';

/**
 * Waits for `work` at most `ms`: true when it settled (fulfilled or rejected) in time, false
 * when the bound passed first. The work itself is not cancelled; a `stop()` uses this to
 * finish within its bound whatever is stuck, leaving unacknowledged messages to the broker.
 */
export async function settleWithin(work: Promise<unknown>, ms: number, clock: Clock = systemClock): Promise<boolean> {
  let timer: unknown;
  const expired = new Promise<false>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}
