import type { Logger } from '@premonitor/log';
import type { Clock, TimerHandle } from '@premonitor/time';
import type { ConsumerLag, MessageHandler, Subscription } from './bus.js';
import type { ResolvedConsumerSpec } from './consumer-defaults.js';
import type { MemoryStream, StoredMessage } from './memory-stream.js';
import { AckDeadlines, type AckDeadline } from './ack-deadlines.js';
import { FifoQueue } from './fifo-queue.js';
import { MemoryMessage, type DeliveryOutcomes } from './memory-message.js';
import { compileSubjectPattern, type SubjectMatcher } from './subject-match.js';

/** Deliveries per event-loop turn before yielding, so one busy consumer cannot starve I/O. */
const DISPATCH_BATCH = 1_024;

/** Out with a handler, queued for redelivery, or waiting out a nak delay. */
type PendingState = 'out' | 'queued' | 'delayed';

interface Pending {
  deliveries: number;
  state: PendingState;
  /** When the current delivery's ack wait ends (meaningful while `out`). */
  deadline: number;
  timer: TimerHandle | undefined;
}

class Subscriber {
  busy = false;
  inflight: Promise<void> | undefined;
  constructor(readonly handler: MessageHandler) {}
}

/**
 * The state of one durable consumer of the in-process bus — JetStream's semantics in memory:
 * a cursor over the stream, the unacknowledged messages, ack-wait redelivery, nak delays,
 * `maxDeliver` and `maxAckPending`. Subscribers attached to it share its messages, each
 * handling one at a time; delivery always happens on a later tick, never inside `publish`.
 */
export class MemoryDurable implements DeliveryOutcomes {
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  #spec: ResolvedConsumerSpec;
  #filter: SubjectMatcher;
  #cursor: number;
  readonly #pending = new Map<number, Pending>();
  readonly #redeliver = new FifoQueue<number>();
  readonly #deadlines: AckDeadlines;
  #subscribers: Subscriber[] = [];
  #nextSubscriber = 0;
  #scheduled = false;

  constructor(
    readonly stream: MemoryStream,
    spec: ResolvedConsumerSpec,
    clock: Clock,
    logger: Logger | undefined,
  ) {
    this.#clock = clock;
    this.#logger = logger;
    this.#deadlines = new AckDeadlines(clock, (due) => this.#onAckDeadline(due));
    this.#spec = spec;
    this.#filter = compileSubjectPattern(spec.filterSubject);
    this.#cursor = spec.deliverPolicy === 'new' ? stream.lastSeq + 1 : stream.firstSeq;
    stream.onAppend(() => this.#schedule());
  }

  /** What JetStream's consumer info reports as `num_pending` and `num_ack_pending`. */
  lag(): ConsumerLag {
    let pending = 0;
    for (let seq = Math.max(this.#cursor, this.stream.firstSeq); seq <= this.stream.lastSeq; seq++) {
      const message = this.stream.get(seq);
      if (message && this.#filter(message.tokens)) pending++;
    }
    return { stream: this.stream.name, durable: this.#spec.durable, pending, ackPending: this.#pending.size };
  }

  /** Applies a changed spec; the position is kept, as JetStream keeps it on a consumer update. */
  update(spec: ResolvedConsumerSpec): void {
    this.#spec = spec;
    this.#filter = compileSubjectPattern(spec.filterSubject);
  }

  /** Adds a subscriber that receives a share of the messages until its subscription stops. */
  attach(handler: MessageHandler): Subscription {
    const subscriber = new Subscriber(handler);
    this.#subscribers.push(subscriber);
    this.#schedule();
    return {
      stop: async () => {
        this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
        await subscriber.inflight;
      },
    };
  }

  /** Cancels every timer and queues every unacknowledged message for redelivery (bus stop). */
  suspend(): void {
    this.#deadlines.clear();
    this.#redeliver.clear();
    for (const [seq, pending] of [...this.#pending].sort(([a], [b]) => a - b)) {
      if (pending.timer !== undefined) this.#clock.clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.state = 'queued';
      this.#redeliver.push(seq);
    }
  }

  ack(seq: number): void {
    this.#settle(seq);
  }

  term(seq: number, reason: string | undefined): void {
    if (this.#settle(seq)) this.#logger?.warn({ stream: this.stream.name, durable: this.#spec.durable, seq, reason }, 'message terminated');
  }

  nak(seq: number, deliveryCount: number, delayMs: number): void {
    const pending = this.#pending.get(seq);
    // A nak from a delivery that has since timed out and gone to someone else changes nothing.
    if (!pending || pending.state !== 'out' || pending.deliveries !== deliveryCount) return;
    if (this.#exhausted(pending)) return this.#giveUp(seq);
    if (delayMs <= 0) return this.#queue(seq, pending);
    pending.state = 'delayed';
    pending.timer = this.#clock.setTimeout(() => {
      pending.timer = undefined;
      if (this.#pending.get(seq) === pending && pending.state === 'delayed') this.#queue(seq, pending);
    }, delayMs);
  }

  #settle(seq: number): boolean {
    const pending = this.#pending.get(seq);
    if (!pending) return false;
    if (pending.timer !== undefined) this.#clock.clearTimeout(pending.timer);
    this.#pending.delete(seq);
    // A freed slot may unblock a consumer held back by maxAckPending.
    this.#schedule();
    return true;
  }

  #queue(seq: number, pending: Pending): void {
    pending.state = 'queued';
    this.#redeliver.push(seq);
    this.#schedule();
  }

  /** True when the delivery just made was the last one allowed (-1: never). */
  #exhausted(pending: Pending): boolean {
    return this.#spec.maxDeliver !== -1 && pending.deliveries >= this.#spec.maxDeliver;
  }

  #giveUp(seq: number): void {
    this.#pending.delete(seq);
    this.#logger?.warn({ stream: this.stream.name, durable: this.#spec.durable, seq, maxDeliver: this.#spec.maxDeliver }, 'message reached maxDeliver; dropped');
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#subscribers.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#dispatch());
  }

  #dispatch(): void {
    this.#scheduled = false;
    for (let budget = DISPATCH_BATCH; budget > 0; budget--) {
      const subscriber = this.#freeSubscriber();
      if (!subscriber) return;
      const next = this.#take();
      if (!next) return;
      this.#deliver(subscriber, next.message, next.deliveries);
    }
    this.#schedule();
  }

  /** The next free subscriber, round-robin so idle replicas share the work evenly. */
  #freeSubscriber(): Subscriber | undefined {
    const count = this.#subscribers.length;
    for (let k = 0; k < count; k++) {
      const index = (this.#nextSubscriber + k) % count;
      const subscriber = this.#subscribers[index];
      if (!subscriber.busy) {
        this.#nextSubscriber = (index + 1) % count;
        return subscriber;
      }
    }
    return undefined;
  }

  /** Redeliveries first, then the next new message matching the filter, within maxAckPending. */
  #take(): { message: StoredMessage; deliveries: number } | undefined {
    for (let seq = this.#redeliver.shift(); seq !== undefined; seq = this.#redeliver.shift()) {
      const pending = this.#pending.get(seq);
      if (!pending || pending.state !== 'queued') continue;
      const message = this.stream.get(seq);
      if (!message) {
        this.#pending.delete(seq);
        continue;
      }
      pending.deliveries++;
      pending.state = 'out';
      this.#trackDeadline(seq, pending);
      return { message, deliveries: pending.deliveries };
    }
    if (this.#pending.size >= this.#spec.maxAckPending) return undefined;
    this.stream.expire();
    this.#cursor = Math.max(this.#cursor, this.stream.firstSeq);
    while (this.#cursor <= this.stream.lastSeq) {
      const message = this.stream.get(this.#cursor++);
      if (!message || !this.#filter(message.tokens)) continue;
      const pending: Pending = { deliveries: 1, state: 'out', deadline: 0, timer: undefined };
      this.#pending.set(message.seq, pending);
      this.#trackDeadline(message.seq, pending);
      return { message, deliveries: 1 };
    }
    return undefined;
  }

  #deliver(subscriber: Subscriber, stored: StoredMessage, deliveries: number): void {
    const message = new MemoryMessage(this, stored, deliveries);
    subscriber.busy = true;
    let result: void | Promise<void>;
    try {
      result = subscriber.handler(message);
    } catch (err) {
      this.#handlerFailed(message, err);
      subscriber.busy = false;
      return;
    }
    if (!(result instanceof Promise)) {
      subscriber.busy = false;
      return;
    }
    subscriber.inflight = result.then(
      () => undefined,
      (err: unknown) => this.#handlerFailed(message, err),
    ).finally(() => {
      subscriber.busy = false;
      subscriber.inflight = undefined;
      this.#schedule();
    });
  }

  #handlerFailed(message: MemoryMessage, err: unknown): void {
    this.#logger?.warn({ err, stream: this.stream.name, durable: this.#spec.durable, subject: message.subject, seq: message.seq }, 'message handler failed; nak');
    message.nak();
  }

  #trackDeadline(seq: number, pending: Pending): void {
    pending.deadline = this.#clock.now() + this.#spec.ackWaitMs;
    this.#deadlines.track({ seq, deliveries: pending.deliveries, at: pending.deadline });
    if (this.#deadlines.length > 4 * this.#spec.maxAckPending + 1_024) {
      const live = [...this.#pending].filter(([, p]) => p.state === 'out').map(([s, p]) => ({ seq: s, deliveries: p.deliveries, at: p.deadline }));
      this.#deadlines.replace(live);
    }
  }

  /** Redelivers (or gives up on) a delivery whose ack wait passed without an outcome. */
  #onAckDeadline(due: AckDeadline): void {
    const pending = this.#pending.get(due.seq);
    if (!pending || pending.state !== 'out' || pending.deliveries !== due.deliveries) return;
    if (this.#exhausted(pending)) this.#giveUp(due.seq);
    else this.#queue(due.seq, pending);
  }
}
