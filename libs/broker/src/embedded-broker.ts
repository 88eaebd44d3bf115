import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { PortInUseError } from './broker-errors.js';
import type { BrokerLogger, BrokerMetrics } from './broker-metrics.js';
import type { CredentialStore } from './credential-store.js';
import { mayPublish, maySubscribe } from './device-acl.js';
import type { Principal } from './principal.js';
import { SubscriberBacklog } from './subscriber-backlog.js';

/** Configuration of the in-process broker used in embedded mode. */
export interface EmbeddedBrokerOptions {
  /** Interface to listen on; default 127.0.0.1 so a dev broker is not exposed by accident. */
  readonly host?: string;
  /** TCP port; 0 picks an ephemeral one, readable from `port` after `start()`. */
  readonly port: number;
  /** Accounts and ACL identities; null allows anonymous clients with no ACL (tests and dev only). */
  readonly credentials: CredentialStore | null;
  /** Where connection refusals and warnings go; passwords never reach it. */
  readonly logger: BrokerLogger;
  /** Name of the setting that chooses the port, quoted by PortInUseError; default `MQTT_PORT`. */
  readonly portSetting?: string;
  /** Unacknowledged QoS≥1 messages per client that trigger a backlog warning (never a drop); default 10 000. */
  readonly backlogWarningThreshold?: number;
  /** How long a subscriber's full socket may block delivery before Aedes disconnects it; default 60 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Optional counters. */
  readonly metrics?: BrokerMetrics;
}

/**
 * A refused PUBLISH is re-addressed here instead of failing the hook. Aedes answers a
 * failed authorizePublish by closing the connection, so a device with one bad message
 * in its QoS1 queue would reconnect, resend it and be cut off forever. Mosquitto
 * instead acknowledges and drops (MQTT-3.3.5-2 allows either); doing the same keeps
 * device behaviour identical in both modes. Nobody can subscribe here: every ACL
 * filter lies under premonitor/v1/, and authorizeForward drops it as well.
 */
const REFUSED_SINK = '$premonitor/refused';

type ConnackCode = AuthenticateError['returnCode'];
// 5 = CONNACK "not authorized", what Mosquitto 2 sends for a bad password as well; 3 = "server unavailable".
const NOT_AUTHORIZED = 5 as ConnackCode;
const SERVER_UNAVAILABLE = 3 as ConnackCode;

/** Carries the CONNACK return code Aedes sends when it refuses a CONNECT. */
class ConnectRefusedError extends Error {
  override readonly name = 'ConnectRefusedError';
  constructor(
    message: string,
    readonly returnCode: ConnackCode = NOT_AUTHORIZED,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The embedded-mode MQTT broker: Aedes on a TCP port, with device authentication and the
 * per-device ACL shared with the Mosquitto configuration.
 *
 * Back-pressure: Aedes stores every QoS≥1 message for each persistent (clean=false)
 * subscription before delivering it, and deletes it on PUBACK; the in-memory store has
 * no cap, so a slow or disconnected core subscriber gets everything on reconnect and the
 * cost is memory, not loss. A clean-session subscriber whose socket stays full for
 * `drainTimeoutMs` is disconnected and loses what was in flight — core consumers must
 * therefore connect with `clean: false`, a stable client id and QoS 1.
 */
export class EmbeddedBroker {
  readonly #options: EmbeddedBrokerOptions;
  readonly #host: string;
  readonly #principals = new WeakMap<Client, Principal>();
  readonly #willTopics = new WeakMap<Client, string>();
  readonly #warnedTopics = new WeakMap<Client, Set<string>>();
  readonly #backlog: SubscriberBacklog<Client>;
  readonly #sockets = new Set<Socket>();
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  #port: number;

  constructor(options: EmbeddedBrokerOptions) {
    this.#options = Object.freeze({ ...options });
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#backlog = new SubscriberBacklog<Client>(options.backlogWarningThreshold ?? 10_000, (clientId, unacked) => {
      this.#options.logger.warn({ clientId, unacked }, 'MQTT subscriber is falling behind (messages are kept, memory grows)');
      this.#options.metrics?.subscriberBacklog?.(clientId, unacked);
    });
  }

  /** The listening port (the ephemeral one once started with port 0). */
  get port(): number {
    return this.#port;
  }

  /** `mqtt://host:port` for clients in the same process or host. */
  get url(): string {
    const host = this.#host === '0.0.0.0' ? '127.0.0.1' : this.#host === '::' ? '::1' : this.#host;
    return `mqtt://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  /** Number of connected, authenticated clients. */
  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  /** Starts Aedes and listens; throws PortInUseError when the port is taken. */
  async start(): Promise<void> {
    if (this.#server) return;
    const { logger, credentials } = this.#options;
    if (credentials === null) {
      logger.warn(
        { host: this.#host, port: this.#options.port },
        '!!! MQTT broker is running WITHOUT AUTHENTICATION: any client may publish or subscribe to anything. Tests and local dev only — configure device credentials for a real site.',
      );
    }
    const aedes = await Aedes.createBroker(this.#aedesOptions());
    this.#watch(aedes);
    const server = createServer(aedes.handle);
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    try {
      this.#port = await listen(server, this.#options.port, this.#host);
    } catch (err) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new PortInUseError(this.#options.port, this.#host, this.#options.portSetting ?? 'MQTT_PORT', { cause: err });
      }
      throw err;
    }
    this.#aedes = aedes;
    this.#server = server;
    logger.info({ url: this.url, authenticated: credentials !== null }, 'embedded MQTT broker listening');
  }

  /** Disconnects every client and closes the listener; safe to call twice. */
  async stop(): Promise<void> {
    const { aedes, server } = { aedes: this.#aedes, server: this.#server };
    this.#aedes = undefined;
    this.#server = undefined;
    if (!aedes || !server) return;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // Sockets that never sent CONNECT are not Aedes clients; without this, close waits for their connect timeout.
    for (const socket of this.#sockets) socket.destroy();
    await serverClosed;
  }

  #aedesOptions(): AedesOptions {
    const options: AedesOptions = {
      drainTimeout: this.#options.drainTimeoutMs ?? 60_000,
      preConnect: (client, packet, callback) => {
        if (packet.will) this.#willTopics.set(client, packet.will.topic);
        callback(null, true);
      },
      authorizeForward: (client, packet) => {
        if (packet.topic === REFUSED_SINK) return null;
        this.#backlog.forwarded(client, client.id, packet.topic, packet.qos);
        return packet;
      },
    };
    if (this.#options.credentials === null) return options;
    return {
      ...options,
      authenticate: (client, username, password, done) => {
        this.#authenticate(client, username, password).then(
          (refusal) => (refusal ? done(refusal, null) : done(null, true)),
          (err: unknown) => {
            this.#options.logger.error({ err, username }, 'MQTT authentication failed internally');
            done(new ConnectRefusedError('authentication unavailable', SERVER_UNAVAILABLE, { cause: err }), null);
          },
        );
      },
      authorizePublish: (client, packet, callback) => {
        // A null client is a will left by an earlier broker run; its topic passed the check at connect.
        if (client === null) return callback(null);
        const principal = this.#principals.get(client);
        if (!principal) return callback(new Error('publish from an unauthenticated client'));
        const decision = mayPublish(principal, packet.topic);
        if (!decision.allowed) {
          this.#warnOnce(client, packet.topic, { username: principal.username, topic: packet.topic, reason: decision.reason }, 'MQTT publish refused by ACL (dropped)');
          this.#options.metrics?.publishRefused?.(principal.username);
          packet.topic = REFUSED_SINK;
          packet.retain = false;
        }
        callback(null);
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const principal = this.#principals.get(client);
        const decision = principal ? maySubscribe(principal, subscription.topic) : { allowed: false as const, reason: 'not authenticated' };
        if (decision.allowed) return callback(null, subscription);
        this.#options.logger.warn({ username: principal?.username, filter: subscription.topic, reason: decision.reason }, 'MQTT subscribe refused by ACL');
        if (principal) this.#options.metrics?.subscribeRefused?.(principal.username);
        callback(null, null);
      },
    };
  }

  /** Resolves to a refusal (sent as CONNACK 5) or undefined when the client may connect. */
  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthenticateError | undefined> {
    const { credentials, logger, metrics } = this.#options;
    const principal = await credentials?.authenticate(username, password);
    if (!principal) {
      logger.warn({ username, clientId: client.id }, 'MQTT connect refused: unknown username or wrong password');
      metrics?.connectRefused?.('credentials');
      return new ConnectRefusedError('bad username or password');
    }
    const willTopic = this.#willTopics.get(client);
    const willDecision = willTopic === undefined ? undefined : mayPublish(principal, willTopic);
    if (willDecision && !willDecision.allowed) {
      logger.warn({ username, willTopic, reason: willDecision.reason }, 'MQTT connect refused: will topic outside the ACL');
      metrics?.connectRefused?.('will-topic');
      return new ConnectRefusedError('will topic not allowed');
    }
    this.#principals.set(client, principal);
    return undefined;
  }

  #watch(aedes: Aedes): void {
    const { logger, metrics } = this.#options;
    aedes.on('clientReady', (client) => {
      logger.debug({ clientId: client.id, username: this.#principals.get(client)?.username }, 'MQTT client connected');
      metrics?.clientConnected?.(aedes.connectedClients);
    });
    aedes.on('clientDisconnect', (client) => {
      this.#backlog.disconnected(client);
      logger.debug({ clientId: client.id }, 'MQTT client disconnected');
      metrics?.clientDisconnected?.(aedes.connectedClients);
    });
    aedes.on('subscribe', (subscriptions, client) => {
      for (const s of subscriptions) if ((s.qos as number) !== 128) this.#backlog.subscribed(client, s.topic, s.qos);
    });
    aedes.on('unsubscribe', (filters, client) => this.#backlog.unsubscribed(client, filters));
    aedes.on('ack', (_packet, client) => this.#backlog.acked(client));
    aedes.on('clientError', (client, err) => logger.warn({ clientId: client.id, error: err.message }, 'MQTT client error; connection closed'));
    aedes.on('connectionError', (_client, err) => logger.debug({ error: err.message }, 'MQTT connection error before CONNECT completed'));
  }

  #warnOnce(client: Client, topic: string, fields: Record<string, unknown>, message: string): void {
    // One line per client and topic: a misconfigured device publishing frames would otherwise flood the log.
    let seen = this.#warnedTopics.get(client);
    if (!seen) this.#warnedTopics.set(client, (seen = new Set()));
    if (seen.has(topic)) return;
    seen.add(topic);
    this.#options.logger.warn(fields, message);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
