import type { EmbeddedBroker } from '@premonitor/broker';

/** Messages the broker acknowledged to devices were still not persisted when the drain gave up on them. */
export class HandOverTimeoutError extends Error {
  override readonly name = 'HandOverTimeoutError';
  constructor(
    readonly clientId: string,
    readonly left: number,
    timeoutMs: number,
  ) {
    super(
      `${left} message(s) the broker acknowledged to devices were not acknowledged by ${clientId} within ${timeoutMs} ms; ` +
        'the embedded broker keeps them in memory only, so they are lost with this process (raise SHUTDOWN_TIMEOUT_MS if the database is slow)',
    );
  }
}

/**
 * Waits until the subscriber `clientId` has acknowledged everything the broker holds for its
 * session. Call after `broker.refuseDevices()` (so the queue can only shrink) and before the
 * subscriber stops: the embedded broker's sessions live in memory, and a message still queued
 * when the process exits was acknowledged to its device and would be lost without a trace.
 * Throws a {@link HandOverTimeoutError} naming what is left after `timeoutMs`.
 *
 * "Empty" must hold for `settleMs`: Aedes acknowledges a device's message before it routes it,
 * and a message still being routed is in no session's queue yet, so one empty look can come
 * just before the last messages land in it (CI at load: 7 of 306 lost that way).
 */
export async function awaitHandOver(broker: Pick<EmbeddedBroker, 'unacknowledged'>, clientId: string, timeoutMs: number, pollMs = 20, settleMs = 250): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let emptySince: number | undefined;
  for (;;) {
    const left = await broker.unacknowledged(clientId);
    const now = performance.now();
    if (left > 0) emptySince = undefined;
    else if ((emptySince ??= now) + settleMs <= now) return;
    if (left > 0 && now >= deadline) throw new HandOverTimeoutError(clientId, left, timeoutMs);
    if (left === 0 && now >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
