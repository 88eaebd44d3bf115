import { decodeEvent } from '@premonitor/bus';
import type { BusMessage } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import type { DeliveryStore } from './delivery-store.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import type { RouteSettings } from './notifier-settings.js';
import { channelsFor } from './route-alert.js';

export interface AlertIntakeOptions {
  readonly store: DeliveryStore;
  readonly routes: readonly RouteSettings[];
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: NotifierMetrics;
  /** Called after items for `channel` are durably queued. */
  readonly queued: (channel: string, count: number) => void;
}

/** Longest nak delay while the database is unavailable. */
const MAX_NAK_DELAY_MS = 30_000;

/**
 * The bus side of the notifier: validates an alert transition, routes it, and writes one
 * outbox row per channel before acknowledging — so the bus redelivers anything not yet
 * durably queued, and a redelivery of something queued is a no-op (unique key).
 */
export class AlertIntake {
  constructor(private readonly o: AlertIntakeOptions) {}

  async handle(message: BusMessage): Promise<void> {
    const decoded = decodeEvent('alerts', message);
    if (!decoded.ok) {
      this.o.metrics.alertsIn.inc({ outcome: 'invalid' });
      this.o.logger.warn({ subject: message.subject, reason: decoded.reason }, 'invalid alert event dropped');
      message.term(decoded.reason);
      return;
    }
    const event = decoded.value;
    const channels = channelsFor(event, this.o.routes);
    if (channels.length === 0) {
      this.o.metrics.alertsIn.inc({ outcome: 'unrouted' });
      message.ack();
      return;
    }
    try {
      const dueAt = new Date(this.o.now());
      await this.o.store.enqueue(channels.map((channel) => ({ channel, event, dueAt })));
    } catch (err) {
      const delay = Math.min(MAX_NAK_DELAY_MS, 500 * 2 ** Math.min(10, message.deliveryCount - 1));
      this.o.logger.error({ err, key: event.idempotencyKey, delay }, 'could not queue alert; the bus will redeliver it');
      message.nak(delay);
      return;
    }
    message.ack();
    this.o.metrics.alertsIn.inc({ outcome: 'queued' });
    for (const channel of channels) this.o.queued(channel, 1);
  }
}
