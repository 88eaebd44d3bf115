import type { EmbeddedBroker } from '@premonitor/broker';

/** Messages the broker acknowledged to devices were still not persisted when the drain gave up on them. */
export class HandOverTimeoutError extends Error {
  override readonly name = 'HandOverTimeoutError';
  constructor(
    readonly clientId: string,
    readonly left: number,
    timeoutMs: number,
    /** The broker's journal holds them: the next start publishes them again. */
    readonly journaled = false,
  ) {
    super(
      `${left} message(s) the broker acknowledged to devices were not acknowledged by ${clientId} within ${timeoutMs} ms; ` +
        (journaled
          ? 'the broker journal keeps them and the next start on this data folder stores them (raise SHUTDOWN_TIMEOUT_MS if the database is slow)'
          : 'the embedded broker keeps them in memory only, so they are lost with this process (raise SHUTDOWN_TIMEOUT_MS if the database is slow)'),
    );
  }
}

/**
 * Waits until the subscriber `clientId` has acknowledged everything the broker holds for its
 * session ({@link EmbeddedBroker.handOver}). Call after `broker.refuseDevices()` and before the
 * subscriber stops: the embedded broker's sessions live in memory, and a message still queued
 * when the process exits was acknowledged to its device and would be lost without a trace.
 * Throws a {@link HandOverTimeoutError} naming what is left after `timeoutMs` (and whether the
 * broker's journal keeps it for the next start).
 */
export async function awaitHandOver(broker: Pick<EmbeddedBroker, 'handOver'>, clientId: string, timeoutMs: number, journaled = false): Promise<void> {
  const left = await broker.handOver(clientId, timeoutMs);
  if (left > 0) throw new HandOverTimeoutError(clientId, left, timeoutMs, journaled);
}
