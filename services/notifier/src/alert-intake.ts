import { decodeEvent } from '@premonitor/bus';
import type { BusMessage } from '@premonitor/bus';
import type { AlertEvent } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { classifyFailure, isolatePoison, type ConsumerPolicy } from '@premonitor/resilience';
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
  /** Settles what could not be queued: nak with backoff while transient, dead letter in the end. */
  readonly policy: ConsumerPolicy;
  /** Called after items for `channel` are durably queued. */
  readonly queued: (channel: string, count: number) => void;
}

/** Most alerts queued in one statement; also the back-pressure bound on the bus handler. */
const MAX_BATCH = 500;

interface Routed {
  readonly message: BusMessage;
  readonly event: AlertEvent;
  readonly channels: readonly string[];
}

/**
 * The bus side of the notifier: validates an alert transition, routes it, and writes one
 * outbox row per channel before acknowledging — so the bus redelivers anything not yet
 * durably queued, and a redelivery of something queued is a no-op (unique key).
 *
 * The bus hands over one message at a time and waits for the handler, so the handler only
 * queues: alerts that arrive while a write is under way go into the next one, a single
 * multi-row statement. Writes run one at a time, in arrival order, so the outbox keeps each
 * alert's transitions in order; a full queue makes the handler wait (back-pressure).
 *
 * A write that fails transiently (database down) leaves its alerts to the consumer policy,
 * which naks them with backoff for as long as it lasts; one the database refuses is split
 * until the refused alerts are found, so the others are queued and only those go on towards
 * a dead letter.
 */
export class AlertIntake {
  readonly #pending: Routed[] = [];
  #writing: Promise<void> | undefined;

  constructor(private readonly o: AlertIntakeOptions) {}

  async handle(message: BusMessage): Promise<void> {
    const decoded = decodeEvent('alerts', message);
    if (!decoded.ok) {
      this.o.metrics.alertsIn.inc({ outcome: 'invalid' });
      void this.o.policy.deadLetter(message, `invalid alert event: ${decoded.reason}`);
      return;
    }
    const event = decoded.value;
    const channels = channelsFor(event, this.o.routes);
    if (channels.length === 0) {
      this.o.metrics.alertsIn.inc({ outcome: 'unrouted' });
      message.ack();
      return;
    }
    this.#pending.push({ message, event, channels });
    this.#kick();
    while (this.#pending.length >= MAX_BATCH && this.#writing) await this.#writing;
  }

  /** Resolves once everything handed to `handle` is queued (or nak-ed). */
  async drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #kick(): void {
    if (this.#writing || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, MAX_BATCH);
    this.#writing = this.#write(batch).finally(() => {
      this.#writing = undefined;
      this.#kick();
    });
  }

  async #write(batch: readonly Routed[]): Promise<void> {
    const dueAt = new Date(this.o.now());
    const enqueue = async (part: readonly Routed[]) => {
      await this.o.store.enqueue(part.flatMap(({ event, channels }) => channels.map((channel) => ({ channel, event, dueAt }))));
      this.#queued(part);
    };
    try {
      await enqueue(batch);
      return;
    } catch (err) {
      if (classifyFailure(err) === 'transient' || batch.length === 1) {
        this.#failed(batch, err);
        return;
      }
      const found = await isolatePoison(batch, err, enqueue);
      for (const { item, error } of found.poisoned) this.#failed([item], error);
      this.#failed(found.retry, found.retryError);
    }
  }

  #failed(batch: readonly Routed[], err: unknown): void {
    for (const { message, event } of batch) {
      this.o.logger.error({ err, key: event.idempotencyKey }, 'could not queue alert');
      this.o.policy.fail(message, err);
    }
  }

  #queued(batch: readonly Routed[]): void {
    const counts = new Map<string, number>();
    for (const { message, channels } of batch) {
      message.ack();
      this.o.metrics.alertsIn.inc({ outcome: 'queued' });
      for (const channel of channels) counts.set(channel, (counts.get(channel) ?? 0) + 1);
    }
    for (const [channel, count] of counts) this.o.queued(channel, count);
  }
}
