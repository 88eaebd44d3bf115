import type { Subscription } from '@premonitor/bus';
import { settleWithin, type ConsumerPolicy } from '@premonitor/resilience';

/**
 * Stops a consumer: no new messages, the one in hand finishes. False when that took longer than
 * `timeoutMs` (unacknowledged messages stay with the bus and are redelivered).
 */
export function stopConsumer(subscription: Subscription | undefined, policy: ConsumerPolicy | undefined, timeoutMs: number): Promise<boolean> {
  return settleWithin(
    (async () => {
      await subscription?.stop();
      await policy?.settled();
    })(),
    timeoutMs,
  );
}
