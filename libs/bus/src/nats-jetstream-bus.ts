import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { streamLayout } from '@premonitor/contracts';
import { maskUrl, type Logger } from '@premonitor/log';
import type { Bus, ConsumerLag, ConsumerSpec, MessageHandler, PublishOptions, PublishResult, StreamLimits, Subscription } from './bus.js';
import { DEFAULT_STREAM_LIMITS } from './bus.js';
import { resolveConsumerSpec } from './consumer-defaults.js';
import { BusConnectionError, BusNotStartedError, BusOperationError } from './errors.js';
import { JetStreamPublishError, NatsAckPublisher } from './nats-ack-publisher.js';
import { consumerConfig, ensureConsumer, ensureStream, streamConfig } from './nats-config.js';
import { NatsSubscription } from './nats-subscription.js';
import { StreamRouter } from './stream-router.js';

export { streamConfig } from './nats-config.js';

/** Options of the NATS JetStream bus. */
export interface NatsJetStreamBusOptions {
  /** Server URL, or several separated by commas (`nats://a:4222,nats://b:4222`). */
  readonly servers: string;
  /** Connection name, shown in the server's monitoring (usually the service name). */
  readonly name: string;
  /** Retention and dedup limits of every stream. Default `DEFAULT_STREAM_LIMITS`. */
  readonly limits?: StreamLimits;
  /** Copies of every stream, applied to existing streams too (`NATS_STREAM_REPLICAS`). Default 1; 3 on a 3-node cluster. */
  readonly streamReplicas?: number;
  readonly logger: Logger;
}

/** Most messages one subscription fetches ahead; more would sit client-side eating their ack wait. */
const MAX_PULL_BATCH = 256;

interface Connected {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
  readonly publisher: NatsAckPublisher;
}

/**
 * The bus of distributed mode, on NATS JetStream. `start()` creates or updates the streams of
 * `streamLayout()`; consumers are durable pull consumers with explicit acks. After the first
 * connection succeeds the client reconnects forever; publishes fail while disconnected.
 */
export class NatsJetStreamBus implements Bus {
  readonly #options: NatsJetStreamBusOptions;
  readonly #limits: StreamLimits;
  readonly #logger: Logger;
  readonly #router = new StreamRouter(streamLayout());
  readonly #subscriptions = new Set<NatsSubscription>();
  /** Every durable consumed through this bus, `stream/durable` → names, for `consumerLag()`. */
  readonly #durables = new Map<string, { readonly stream: string; readonly durable: string }>();
  #connection: Connected | undefined;
  #connected = false;

  constructor(options: NatsJetStreamBusOptions) {
    this.#options = Object.freeze({ ...options });
    this.#limits = Object.freeze({ ...(options.limits ?? DEFAULT_STREAM_LIMITS) });
    this.#logger = options.logger;
  }

  async start(): Promise<void> {
    if (this.#connection) return;
    const servers = this.#options.servers.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const shownUrl = servers.map(maskUrl).join(',');
    let nc: NatsConnection;
    try {
      // noAsyncTraces: otherwise every request captures two stack traces up front, which
      // costs more CPU than the publish itself at ingest rates.
      nc = await connect({ servers, name: this.#options.name, maxReconnectAttempts: -1, reconnectTimeWait: 1_000, noAsyncTraces: true });
    } catch (err) {
      throw new BusConnectionError(shownUrl, err);
    }
    try {
      const jsm = await jetstreamManager(nc);
      await this.#ensureStreams(jsm);
      this.#connection = { nc, jsm, js: jsm.jetstream(), publisher: new NatsAckPublisher(nc) };
    } catch (err) {
      await nc.close();
      throw err instanceof BusOperationError ? err : new BusOperationError(`enabling JetStream at ${shownUrl}`, err);
    }
    this.#connected = true;
    void this.#watch(nc);
    this.#logger.info({ servers: shownUrl }, 'bus connected to NATS JetStream');
  }

  async stop(): Promise<void> {
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.stop()));
    const connection = this.#connection;
    this.#connection = undefined;
    this.#connected = false;
    if (connection && !connection.nc.isClosed()) {
      await connection.nc.drain().catch((err: unknown) => this.#logger.warn({ err }, 'bus drain failed'));
    }
    // After the drain: acks of publishes still in flight arrive during it; whatever waits still is rejected.
    connection?.publisher.close();
  }

  async publish(subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    const { publisher } = this.#require('publish');
    this.#router.route(subject);
    let h: ReturnType<typeof natsHeaders> | undefined;
    if (options.msgId !== undefined || options.headers) {
      h = natsHeaders();
      // JetStream's dedup header, as js.publish({ msgID }) sets it.
      if (options.msgId !== undefined) h.set('Nats-Msg-Id', options.msgId);
      for (const [key, value] of Object.entries(options.headers ?? {})) h.set(key, value);
    }
    try {
      return await publisher.publish(subject, data, h);
    } catch (err) {
      if (!(err instanceof JetStreamPublishError && err.noStream)) throw new BusOperationError(`publish to ${subject}`, err);
    }
    // No stream takes the subject although our layout has one: a process with an older layout
    // (a rolling upgrade, another version on a shared server) updated the stream to its own
    // subjects. Put ours back once and publish again; a second refusal is an error.
    try {
      await this.#ensureStreams(this.#require('publish').jsm);
      this.#logger.warn({ subject }, 'a stream had lost this subject (another process updated it with an older layout); streams restored');
      return await publisher.publish(subject, data, h);
    } catch (err) {
      throw new BusOperationError(`publish to ${subject}`, err);
    }
  }

  async #ensureStreams(jsm: JetStreamManager): Promise<void> {
    for (const [name, subjects] of streamLayout()) await ensureStream(jsm, streamConfig(name, subjects, this.#limits, this.#options.streamReplicas ?? 1));
  }

  async consume(spec: ConsumerSpec, handler: MessageHandler): Promise<Subscription> {
    const { js, jsm } = this.#require('consume');
    const resolved = resolveConsumerSpec(spec);
    this.#router.assertFilter(resolved.stream, resolved.filterSubject);
    try {
      await ensureConsumer(jsm, resolved.stream, consumerConfig(resolved));
    } catch (err) {
      // Its filter may be outside a stream an older process shrank (see `publish`): restore the layout once and retry.
      this.#logger.warn({ err, stream: resolved.stream, filter: resolved.filterSubject }, 'creating the consumer failed; restoring the stream layout and retrying once');
      await this.#ensureStreams(jsm);
      await ensureConsumer(jsm, resolved.stream, consumerConfig(resolved));
    }
    this.#durables.set(`${resolved.stream}/${resolved.durable}`, { stream: resolved.stream, durable: resolved.durable });
    let subscription: NatsSubscription;
    try {
      const consumer = await js.consumers.get(resolved.stream, resolved.durable);
      const messages = await consumer.consume({ max_messages: Math.min(resolved.maxAckPending, MAX_PULL_BATCH) });
      const logger = this.#logger.child({ stream: resolved.stream, durable: resolved.durable });
      subscription = new NatsSubscription(messages, handler, logger);
    } catch (err) {
      throw new BusOperationError(`consuming ${resolved.stream}/${resolved.durable}`, err);
    }
    this.#subscriptions.add(subscription);
    return {
      stop: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  isReady(): boolean {
    const nc = this.#connection?.nc;
    return this.#connected && nc !== undefined && !nc.isClosed() && !nc.isDraining();
  }

  async consumerLag(): Promise<readonly ConsumerLag[]> {
    const jsm = this.#connection?.jsm;
    if (!jsm || !this.isReady()) return [];
    const lags = await Promise.all(
      [...this.#durables.values()].map(async ({ stream, durable }) => {
        try {
          const info = await jsm.consumers.info(stream, durable);
          return { stream, durable, pending: info.num_pending, ackPending: info.num_ack_pending };
        } catch {
          return undefined; // deleted by an operator, or the server is busy: no value beats a wrong one
        }
      }),
    );
    return lags.filter((lag): lag is ConsumerLag => lag !== undefined);
  }

  #require(operation: string): Connected {
    if (!this.#connection) throw new BusNotStartedError(operation);
    return this.#connection;
  }

  /** Tracks connection state for `isReady()` and logs drops, until the connection closes. */
  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.#connected = false;
        this.#logger.warn({ server: status.server }, 'bus disconnected from NATS; reconnecting');
      } else if (status.type === 'reconnect') {
        this.#connected = true;
        this.#logger.info({ server: status.server }, 'bus reconnected to NATS');
      } else if (status.type === 'error') {
        this.#logger.warn({ err: status.error }, 'NATS reported an error');
      }
    }
  }
}
