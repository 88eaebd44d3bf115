/**
 * The core bus: durable, at-least-once messaging between services. Implemented by the
 * NATS JetStream adapter (distributed mode) and the in-process adapter (embedded mode);
 * both pass the same contract suite (test/bus.test.ts).
 */
export interface Bus {
  /** Connects and creates the streams idempotently. */
  start(): Promise<void>;
  /** Stops every consumer (letting in-flight handlers finish), then disconnects. */
  stop(): Promise<void>;
  /**
   * Publishes and resolves once the message is durably stored in its stream. With `msgId`,
   * a second publish of the same id within the dedup window is stored only once.
   */
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishResult>;
  /**
   * Starts a durable consumer. Consumers sharing a `durable` name share the work (replicas);
   * each distinct name receives every message of its filter.
   */
  consume(spec: ConsumerSpec, handler: MessageHandler): Promise<Subscription>;
  /** True while connected and able to publish (for `/readyz`). */
  isReady(): boolean;
  /**
   * The backlog of every durable this bus consumes, for `/metrics` (`pm_bus_consumer_pending`).
   * A durable whose state cannot be read right now is left out.
   */
  consumerLag(): Promise<readonly ConsumerLag[]>;
}

/** How far one durable consumer is behind its stream. */
export interface ConsumerLag {
  readonly stream: string;
  readonly durable: string;
  /** Messages matching the filter not delivered yet. */
  readonly pending: number;
  /** Messages delivered and not acknowledged yet (in flight, or waiting for redelivery). */
  readonly ackPending: number;
}

export interface PublishOptions {
  /** Deduplication id (`Nats-Msg-Id`): same id, same message. */
  readonly msgId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PublishResult {
  /** Sequence number of the message in its stream. */
  readonly seq: number;
  /** True when the id had been seen before and nothing new was stored. */
  readonly duplicate: boolean;
}

export interface ConsumerSpec {
  /** Stream name, e.g. `PM_TELEMETRY` (see `busSubjects` in @premonitor/contracts). */
  readonly stream: string;
  /** Durable consumer name; survives restarts of the consuming service. */
  readonly durable: string;
  /** Subject filter within the stream, wildcards allowed (`pm.frames.acoustic.>`). */
  readonly filterSubject: string;
  /** How long a delivered message may stay unacknowledged before redelivery. Default 30 s. */
  readonly ackWaitMs?: number;
  /**
   * Deliveries before the bus gives up on a message (it is then dropped without a trace).
   * Default 10; -1 = unlimited, for consumers whose `ConsumerPolicy` (@premonitor/resilience)
   * decides when to dead-letter a message instead.
   */
  readonly maxDeliver?: number;
  /** Most unacknowledged messages outstanding to this consumer. Default 1,000. */
  readonly maxAckPending?: number;
  /** Where a new durable starts: every stored message, or only new ones. Default `all`. */
  readonly deliverPolicy?: 'all' | 'new';
}

/**
 * Receives one message. The handler acknowledges explicitly, possibly later (after a batch is
 * persisted). A handler that throws causes a `nak` with the default delay; a message neither
 * acked nor nak'd is redelivered after `ackWaitMs`.
 */
export type MessageHandler = (message: BusMessage) => void | Promise<void>;

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** 1 on first delivery, 2 on the first redelivery, … */
  readonly deliveryCount: number;
  /** Stream sequence number. */
  readonly seq: number;
  /** The message's effect is persisted: never deliver it again. */
  ack(): void;
  /** Processing failed: deliver again after `delayMs` (default: immediately). */
  nak(delayMs?: number): void;
  /** The message can never be processed (poison): never deliver it again. */
  term(reason?: string): void;
}

export interface Subscription {
  /** Stops fetching, waits for in-flight handlers to settle. */
  stop(): Promise<void>;
}

/** Limits applied to every stream the platform creates. */
export interface StreamLimits {
  /** Oldest message kept, in ms. */
  readonly maxAgeMs: number;
  /** Most bytes kept per stream; the oldest are discarded first. */
  readonly maxBytes: number;
  /** Window within which a repeated `msgId` is recognised as a duplicate, in ms. */
  readonly duplicateWindowMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxAgeMs: 24 * 3_600_000,
  maxBytes: 1024 ** 3,
  duplicateWindowMs: 2 * 60_000,
};
