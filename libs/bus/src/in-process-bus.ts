import { streamLayout } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { systemClock, type Clock } from '@premonitor/time';
import type { Bus, ConsumerLag, ConsumerSpec, MessageHandler, PublishOptions, PublishResult, StreamLimits, Subscription } from './bus.js';
import { DEFAULT_STREAM_LIMITS } from './bus.js';
import { resolveConsumerSpec } from './consumer-defaults.js';
import { BusNotStartedError } from './errors.js';
import { MemoryDurable } from './memory-durable.js';
import { MemoryStream } from './memory-stream.js';
import { StreamRouter } from './stream-router.js';

/** Options of the in-process bus. */
export interface InProcessBusOptions {
  /** Retention and dedup limits of every stream. Default `DEFAULT_STREAM_LIMITS`. */
  readonly limits?: StreamLimits;
  /** Time source for ack waits, nak delays, retention and dedup. Default: the real clock. */
  readonly clock?: Clock;
  /** Receives warnings about failing handlers and dropped messages. Default: silent. */
  readonly logger?: Logger;
}

/** The `Nats-Msg-Id` header JetStream keeps on stored messages; mirrored here for parity. */
const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * The bus of embedded mode: JetStream's at-least-once semantics in memory, with the same
 * streams (`streamLayout()`), limits, dedup and durable consumers, so services cannot tell it
 * from `NatsJetStreamBus`. Messages live as long as the process.
 */
export class InProcessBus implements Bus {
  readonly #limits: StreamLimits;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #router = new StreamRouter(streamLayout());
  readonly #streams = new Map<string, MemoryStream>();
  readonly #durables = new Map<string, MemoryDurable>();
  readonly #subscriptions = new Set<Subscription>();
  #running = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#limits = Object.freeze({ ...(options.limits ?? DEFAULT_STREAM_LIMITS) });
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
  }

  /** Creates the streams of `streamLayout()`; a restarted bus keeps its messages and positions. */
  async start(): Promise<void> {
    for (const name of this.#router.streamNames) {
      if (!this.#streams.has(name)) this.#streams.set(name, new MemoryStream(name, this.#limits, this.#clock));
    }
    this.#running = true;
  }

  /** Stops every subscription, waiting for in-flight handlers; unacked messages are redelivered after a restart. */
  async stop(): Promise<void> {
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    // Still running meanwhile: a handler finishing its work may publish its results.
    await Promise.all(subscriptions.map((s) => s.stop()));
    this.#running = false;
    for (const durable of this.#durables.values()) durable.suspend();
  }

  async publish(subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    if (!this.#running) throw new BusNotStartedError('publish');
    const route = this.#router.route(subject);
    const headers: Record<string, string> = { ...options.headers };
    if (options.msgId !== undefined) headers[MSG_ID_HEADER] = options.msgId;
    return this.#stream(route.stream).append(subject, route.tokens, data, Object.freeze(headers), options.msgId);
  }

  async consume(spec: ConsumerSpec, handler: MessageHandler): Promise<Subscription> {
    if (!this.#running) throw new BusNotStartedError('consume');
    const resolved = resolveConsumerSpec(spec);
    this.#router.assertFilter(resolved.stream, resolved.filterSubject);
    const key = `${resolved.stream}/${resolved.durable}`;
    let durable = this.#durables.get(key);
    if (durable) durable.update(resolved);
    else {
      durable = new MemoryDurable(this.#stream(resolved.stream), resolved, this.#clock, this.#logger);
      this.#durables.set(key, durable);
    }
    const attached = durable.attach(handler);
    const subscription: Subscription = {
      stop: async () => {
        this.#subscriptions.delete(subscription);
        await attached.stop();
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  isReady(): boolean {
    return this.#running;
  }

  async consumerLag(): Promise<readonly ConsumerLag[]> {
    return [...this.#durables.values()].map((d) => d.lag());
  }

  #stream(name: string): MemoryStream {
    const stream = this.#streams.get(name);
    // The router and the stream map come from the same layout, so this only guards a bug.
    if (!stream) throw new Error(`stream ${name} was not created by start()`);
    return stream;
  }
}
