import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { systemClock, type Clock } from '@premonitor/time';
import { mayPublish, mayReceive, mayRetain, maySubscribe } from './access-control.js';
import { PortInUseError } from './broker-errors.js';
import { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './broker-limits.js';
import type { BrokerLogger, BrokerMetrics } from './broker-metrics.js';
import { bindClientId } from './client-identity.js';
import type { CredentialStore } from './credential-store.js';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { PacketSizeGuard, guardSocket, type PacketRefusal } from './packet-size-guard.js';
import type { Principal } from './principal.js';
import { outgoing } from './aedes-internals.js';
import { BrokerJournal, type EmbeddedBrokerJournal } from './broker-journal.js';
import { SubscriberBacklog } from './subscriber-backlog.js';

/** A TLS listener beside the plain one. */
export interface EmbeddedBrokerTls {
  /** TCP port; 0 picks an ephemeral one, readable from `tlsPort` after `start()`. */
  readonly port: number;
  /** Interface to listen on; default the plain listener's host. */
  readonly host?: string;
  /** PEM server certificate (chain), as read from its file. */
  readonly cert: string | Buffer;
  /** PEM private key of the certificate. */
  readonly key: string | Buffer;
  /** Name of the setting that chooses the port, quoted by PortInUseError; default `MQTT_TLS_PORT`. */
  readonly portSetting?: string;
}

/** Configuration of the in-process broker used in embedded mode. */
export interface EmbeddedBrokerOptions {
  /** Interface to listen on; default 127.0.0.1 so a dev broker is not exposed by accident. */
  readonly host?: string;
  /** TCP port; 0 picks an ephemeral one, readable from `port` after `start()`. */
  readonly port: number;
  /** An additional TLS listener (devices on untrusted networks); none when absent. */
  readonly tls?: EmbeddedBrokerTls;
  /** Accounts and ACL identities; null allows anonymous clients with no ACL (tests and dev only). */
  readonly credentials: CredentialStore | null;
  /** Where connection refusals and warnings go; passwords never reach it. */
  readonly logger: BrokerLogger;
  /** Name of the setting that chooses the port, quoted by PortInUseError; default `MQTT_PORT`. */
  readonly portSetting?: string;
  /** Packet and retained-message size limits; default DEFAULT_BROKER_LIMITS. */
  readonly limits?: BrokerLimits;
  /** Lockouts after failed logins; default DEFAULT_LOGIN_THROTTLE. */
  readonly loginThrottle?: LoginThrottleOptions;
  /** Time source of the login throttle and the journal; default the wall clock. */
  readonly clock?: Clock;
  /** Unacknowledged QoS≥1 messages per client that trigger a backlog warning (never a drop); default 10 000. */
  readonly backlogWarningThreshold?: number;
  /** How long a subscriber's full socket may block delivery before Aedes disconnects it; default 60 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Optional counters. */
  readonly metrics?: BrokerMetrics;
  /**
   * False: device logins are held (no CONNACK) until `admitDevices()`. A host whose core
   * subscriber connects after the broker listens sets it, so nothing a device sends is
   * acknowledged before there is a session to hold it. Default true.
   */
  readonly admitDevices?: boolean;
  /**
   * Journal every authorised QoS≥1 device message to disk before acknowledging it, and publish
   * what an earlier run left there again on `admitDevices()`. Needs credentials (devices are
   * told apart by their login) and `admitDevices: false` (the replay must find the subscribers).
   */
  readonly journal?: EmbeddedBrokerJournal;
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
// 5 = CONNACK "not authorized", what Mosquitto 2 sends for a bad password as well; 2 = "identifier rejected"; 3 = "server unavailable".
const NOT_AUTHORIZED = 5 as ConnackCode;
const IDENTIFIER_REJECTED = 2 as ConnackCode;
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

/** How long a session's queue must stay empty before the broker takes it as handed over, ms. */
const HAND_OVER_SETTLE_MS = 250;

/**
 * The embedded-mode MQTT broker: Aedes on a TCP port (and optionally a TLS one), with
 * device authentication and the ACL shared with the Mosquitto configuration.
 *
 * Session safety: the client id is bound to the login (`bindClientId`), and every message
 * is checked against the receiver's read access as it is forwarded — live, retained, or
 * queued in a persistent session — so no client can read what its account may not.
 * Limits: packets above `limits` are refused from their header, before they are buffered
 * (`PacketSizeGuard`); retained messages are kept only on the topics that need them.
 * Repeated failed logins lock the username and the address out for a while (`LoginThrottle`).
 *
 * Back-pressure: Aedes stores every QoS≥1 message for each persistent (clean=false)
 * subscription before delivering it, and deletes it on PUBACK; the in-memory store has
 * no cap, so a slow or disconnected core subscriber gets everything on reconnect and the
 * cost is memory, not loss. A clean-session subscriber whose socket stays full for
 * `drainTimeoutMs` is disconnected and loses what was in flight — core consumers must
 * therefore connect with `clean: false`, a stable client id and QoS 1.
 *
 * Crash safety: the sessions live in this process's memory. With `journal`, each device
 * message is also written to disk before its PUBACK ({@link BrokerJournal}), so one
 * acknowledged and not yet stored by ingest survives a crash and is published again at the
 * next start.
 */
export class EmbeddedBroker {
  readonly #options: EmbeddedBrokerOptions;
  readonly #host: string;
  readonly #limits: BrokerLimits;
  readonly #throttle: LoginThrottle;
  readonly #principals = new WeakMap<Client, Principal>();
  readonly #guards = new WeakMap<Client, PacketSizeGuard>();
  readonly #willTopics = new WeakMap<Client, string>();
  readonly #warnedTopics = new WeakMap<Client, Set<string>>();
  readonly #backlog: SubscriberBacklog<Client>;
  readonly #sockets = new Set<Socket>();
  readonly #devices = new Set<Client>();
  #devicesRefused = false;
  /** Resolves device logins held while devices are refused; replaced each time they are refused again. */
  #admitted = gate();
  #aedes: Aedes | undefined;
  #journal: BrokerJournal | undefined;
  #servers: Server[] = [];
  #port: number;
  #tlsPort: number | undefined;

  constructor(options: EmbeddedBrokerOptions) {
    this.#options = Object.freeze({ ...options });
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#tlsPort = options.tls?.port;
    this.#devicesRefused = options.admitDevices === false;
    if (options.journal && options.credentials === null) throw new Error('EmbeddedBroker: a journal needs credentials (device messages are told apart by their login); drop `journal` or pass a CredentialStore');
    if (options.journal && options.admitDevices !== false) throw new Error('EmbeddedBroker: a journal needs `admitDevices: false` — its replay, in admitDevices(), must come after the storing subscribers have subscribed');
    this.#limits = Object.freeze({ ...(options.limits ?? DEFAULT_BROKER_LIMITS) });
    this.#throttle = new LoginThrottle(options.loginThrottle ?? DEFAULT_LOGIN_THROTTLE, options.clock ?? systemClock);
    this.#backlog = new SubscriberBacklog<Client>(options.backlogWarningThreshold ?? 10_000, (clientId, unacked) => {
      this.#options.logger.warn({ clientId, unacked }, 'MQTT subscriber is falling behind (messages are kept, memory grows)');
      this.#options.metrics?.subscriberBacklog?.(clientId, unacked);
    });
  }

  /** The plain listener's port (the ephemeral one once started with port 0). */
  get port(): number {
    return this.#port;
  }

  /** `mqtt://host:port` for clients in the same process or host. */
  get url(): string {
    return `mqtt://${urlHost(this.#host)}:${this.#port}`;
  }

  /** The TLS listener's port, when one is configured. */
  get tlsPort(): number | undefined {
    return this.#tlsPort;
  }

  /** `mqtts://host:port` of the TLS listener, when one is configured. */
  get tlsUrl(): string | undefined {
    return this.#tlsPort === undefined ? undefined : `mqtts://${urlHost(this.#options.tls?.host ?? this.#host)}:${this.#tlsPort}`;
  }

  /** Number of connected, authenticated clients. */
  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  /** Starts Aedes and listens; throws PortInUseError when a port is taken. */
  async start(): Promise<void> {
    if (this.#aedes) return;
    const { logger, credentials, tls } = this.#options;
    if (credentials === null) {
      logger.warn(
        { host: this.#host, port: this.#options.port },
        '!!! MQTT broker is running WITHOUT AUTHENTICATION: any client may publish or subscribe to anything. Tests and local dev only — configure device credentials for a real site.',
      );
    }
    const retired = credentials?.retiredServices() ?? [];
    if (retired.length > 0) {
      logger.warn({ accounts: retired }, "MQTT service accounts with the retired role 'core' cannot log in; re-add each with a role (cli.js add-service --role ingest|model-sync --replace)");
    }
    if (this.#options.journal) this.#journal = BrokerJournal.open(this.#options.journal, { logger, clock: this.#options.clock ?? systemClock, drainTimeoutMs: this.#options.drainTimeoutMs ?? 60_000, ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}) });
    const aedes = await Aedes.createBroker(this.#aedesOptions());
    this.#watch(aedes);
    const accept = (socket: Socket) => this.#accept(aedes, socket);
    const plain = createServer(accept);
    const servers: Server[] = [plain];
    if (tls) servers.push(createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, accept));
    for (const server of servers) {
      // Raw TCP sockets, also under TLS: stop() destroys them, including those that never completed a handshake.
      server.on('connection', (socket: Socket) => {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
      });
    }
    try {
      this.#port = await listen(plain, this.#options.port, this.#host, this.#options.portSetting ?? 'MQTT_PORT');
      if (tls) this.#tlsPort = await listen(servers[1]!, tls.port, tls.host ?? this.#host, tls.portSetting ?? 'MQTT_TLS_PORT');
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await this.#journal?.close(aedes);
      this.#journal = undefined;
      throw err;
    }
    this.#aedes = aedes;
    this.#servers = servers;
    logger.info({ url: this.url, tlsUrl: this.tlsUrl, authenticated: credentials !== null }, 'embedded MQTT broker listening');
  }

  /**
   * Lets devices log in, the held ones first (after `admitDevices: false`, once the core
   * subscribers are subscribed). With a journal, what an earlier run journaled and did not see
   * stored is first published again, oldest first, and the journal's checkpoints begin.
   */
  async admitDevices(): Promise<void> {
    if (this.#aedes) await this.#journal?.replay(this.#aedes);
    this.#devicesRefused = false;
    this.#admitted.resolve();
  }

  /**
   * Holds device logins from now on (no CONNACK: a refusal would stop mqtt.js clients from
   * reconnecting at all; a held login ends with the process and the device retries), refuses
   * device publishes, and disconnects every connected device; resolves once they are
   * disconnected. The first step of a drain: what a device has not been
   * acknowledged it keeps and sends again, and the core sessions stop growing, so
   * {@link unacknowledged} can fall to 0. Core services stay connected.
   */
  async refuseDevices(): Promise<void> {
    if (!this.#devicesRefused) this.#admitted = gate();
    this.#devicesRefused = true;
    const devices = [...this.#devices];
    this.#devices.clear();
    // Aedes marks a client disconnected only at the end of close(): until then a publish already
    // under way could still be acknowledged. Resolved, every acknowledgement a device got is queued.
    await Promise.all(devices.map((client) => new Promise<void>((resolve) => client.close(() => resolve()))));
  }

  /**
   * Messages held for a client id's persistent session that it has not acknowledged, queued
   * or in flight. They live in this process's memory only: whatever is left when it exits was
   * acknowledged to a device and is lost, so a drain waits for 0 before stopping the subscriber.
   */
  async unacknowledged(clientId: string): Promise<number> {
    const aedes = this.#aedes;
    if (!aedes) return 0;
    let n = 0;
    for await (const _ of outgoing(aedes, clientId)) n++;
    return n;
  }

  /**
   * Stops in the order that loses nothing acknowledged: the listeners stop accepting, the
   * publishers go (devices and every clean-session client: what they were not acknowledged
   * they keep and send again), then each connected persistent session — a core subscriber —
   * is given up to `handOverTimeoutMs` to acknowledge what this broker holds for it, since
   * that lives in this process's memory only and was acknowledged to its publisher. Then
   * every client is disconnected. What is still unacknowledged after the wait is logged as
   * lost. Safe to call twice.
   */
  async stop(options: { readonly handOverTimeoutMs?: number } = {}): Promise<void> {
    const { aedes, servers } = { aedes: this.#aedes, servers: this.#servers };
    if (!aedes) return;
    const serversClosed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await this.#releasePublishers(aedes);
    await this.#handOverPersistentSessions(aedes, options.handOverTimeoutMs ?? 5_000);
    this.#aedes = undefined;
    this.#servers = [];
    await this.#journal?.close(aedes);
    this.#journal = undefined;
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // Sockets that never sent CONNECT are not Aedes clients; without this, close waits for their connect timeout.
    for (const socket of this.#sockets) socket.destroy();
    await serversClosed;
  }

  /** Disconnects devices and clean-session clients (refusing device logins from now on). */
  async #releasePublishers(aedes: Aedes): Promise<void> {
    await this.refuseDevices();
    const volatile = clientsOf(aedes).filter((client) => client.clean);
    await Promise.all(volatile.map((client) => new Promise<void>((resolve) => client.close(() => resolve()))));
  }

  /** Waits until every connected persistent session acknowledged what it is owed, or the time is up. */
  async #handOverPersistentSessions(aedes: Aedes, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (const client of clientsOf(aedes)) {
      const left = await this.handOver(client.id, Math.max(0, deadline - performance.now()), { whileConnected: () => client.connected });
      if (left === 0) continue;
      if (this.#journal?.keepsFor(client.id)) {
        this.#options.logger.warn({ clientId: client.id, left, timeoutMs }, 'MQTT broker stopping with messages its subscriber has not acknowledged: the journal keeps them for the next start');
      } else {
        this.#options.logger.warn({ clientId: client.id, left, timeoutMs }, 'MQTT broker stopping with messages its subscriber has not acknowledged: they were acknowledged to their publishers and are lost with this process');
      }
    }
  }

  /**
   * Waits until the session `clientId` has acknowledged everything held for it, at most
   * `timeoutMs` (and, with `whileConnected`, only while that holds); returns what is left.
   * Empty must hold for {@link HAND_OVER_SETTLE_MS}: Aedes acknowledges a device's message
   * before it routes it, so one empty look can come just before the last messages land in the
   * queue. Call once devices are refused, so the queue can only shrink.
   */
  async handOver(clientId: string, timeoutMs: number, options: { readonly whileConnected?: () => boolean; readonly pollMs?: number } = {}): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let emptySince: number | undefined;
    for (;;) {
      const left = await this.unacknowledged(clientId);
      const now = performance.now();
      if (left > 0) emptySince = undefined;
      else if ((emptySince ??= now) + HAND_OVER_SETTLE_MS <= now) return 0;
      if (now >= deadline || options.whileConnected?.() === false) return left;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
    }
  }

  #accept(aedes: Aedes, socket: Socket): void {
    const { connectPacketBytes, devicePacketBytes, servicePacketBytes } = this.#limits;
    // Until the login is known, packets after CONNECT may be as large as anyone's.
    const guard = new PacketSizeGuard(connectPacketBytes, Math.max(devicePacketBytes, servicePacketBytes));
    let client: Client | undefined;
    guardSocket(socket, guard, (refusal) => this.#packetRefused(socket, client, refusal));
    client = aedes.handle(socket);
    this.#guards.set(client, guard);
  }

  #packetRefused(socket: Socket, client: Client | undefined, refusal: PacketRefusal): void {
    const principal = client ? this.#principals.get(client) : undefined;
    this.#options.logger.warn({ username: principal?.username, address: socket.remoteAddress, ...refusal }, 'MQTT connection closed: packet above its size limit (or malformed length)');
    this.#options.metrics?.packetRefused?.(refusal.reason);
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
        const principal = this.#principals.get(client);
        // Principal-less clients exist only without credentials (anonymous dev mode).
        if (principal && !mayReceive(principal, packet.topic).allowed) {
          this.#warnOnce(client, `forward ${packet.topic}`, { username: principal.username, clientId: client.id, topic: packet.topic }, 'MQTT message not delivered: the receiver may not read the topic');
          this.#options.metrics?.forwardRefused?.(principal.username);
          return null;
        }
        this.#backlog.forwarded(client, client.id, packet.topic, packet.qos);
        return packet;
      },
      // Called once a message is in every subscriber's session (Aedes's enqueue step), with the packet authorizePublish saw.
      published: (packet, _client, callback) => {
        this.#journal?.routed(packet);
        callback(null);
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
        // Refused devices are being disconnected: nothing more of theirs may be queued or acknowledged.
        if (principal.kind === 'device' && this.#devicesRefused) return callback(new Error('not accepting device messages'));
        const decision = mayPublish(principal, packet.topic);
        if (!decision.allowed) {
          this.#warnOnce(client, packet.topic, { username: principal.username, topic: packet.topic, reason: decision.reason }, 'MQTT publish refused by ACL (dropped)');
          this.#options.metrics?.publishRefused?.(principal.username);
          packet.topic = REFUSED_SINK;
          packet.retain = false;
          return callback(null);
        }
        if (packet.retain) {
          const maxBytes = principal.kind === 'device' ? this.#limits.deviceRetainedBytes : this.#limits.serviceRetainedBytes;
          const retain = mayRetain(principal, packet.topic, packet.payload.length, maxBytes);
          if (!retain.allowed) {
            // Delivered, not stored: the data still reaches ingest, nothing lingers in the broker.
            this.#warnOnce(client, `retain ${packet.topic}`, { username: principal.username, topic: packet.topic, reason: retain.reason }, 'MQTT retain refused (delivered without retain)');
            this.#options.metrics?.retainRefused?.(principal.username);
            packet.retain = false;
          }
        }
        // Written before Aedes sends the PUBACK (it does so once this callback returns).
        if (principal.kind === 'device' && packet.qos > 0 && this.#journal?.append(principal.username, packet) === false) return callback(new Error('journal full: not accepting device messages'));
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

  /** Resolves to a refusal (sent as CONNACK 5, or 2 for a client id) or undefined when the client may connect. */
  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthenticateError | undefined> {
    const { credentials, logger, metrics } = this.#options;
    const address = (client.conn as Partial<Socket>).remoteAddress ?? 'unknown';
    const lockout = this.#throttle.lockedOut(username, address);
    if (lockout) {
      logger.debug({ username, address, ...lockout }, 'MQTT connect refused: locked out after repeated failed logins');
      metrics?.loginThrottled?.(lockout.key);
      metrics?.connectRefused?.('throttled');
      return new ConnectRefusedError('too many failed logins; retry later');
    }
    const principal = await credentials?.authenticate(username, password);
    if (!principal) {
      const started = this.#throttle.failed(username, address);
      logger.warn({ username, address, clientId: client.id }, 'MQTT connect refused: unknown username or wrong password');
      for (const s of started) logger.warn({ username, address, ...s }, 'MQTT logins locked out after repeated failures');
      metrics?.connectRefused?.('credentials');
      return new ConnectRefusedError('bad username or password');
    }
    this.#throttle.succeeded(principal.username);
    if (principal.kind === 'device' && this.#devicesRefused) {
      logger.debug({ username }, 'MQTT device login held: not accepting devices (starting or draining)');
      metrics?.loginHeld?.();
      await this.#admitted.promise;
    }
    const willTopic = this.#willTopics.get(client);
    const willDecision = willTopic === undefined ? undefined : mayPublish(principal, willTopic);
    if (willDecision && !willDecision.allowed) {
      logger.warn({ username, willTopic, reason: willDecision.reason }, 'MQTT connect refused: will topic outside the ACL');
      metrics?.connectRefused?.('will-topic');
      return new ConnectRefusedError('will topic not allowed');
    }
    const binding = bindClientId(principal, client.id);
    if (!binding.ok) {
      logger.warn({ username, clientId: client.id, reason: binding.reason }, 'MQTT connect refused: client id not allowed for this account');
      metrics?.connectRefused?.('client-id');
      return new ConnectRefusedError('client id not allowed', IDENTIFIER_REJECTED);
    }
    // Authentication is the first connect step in Aedes: the session lookup, the takeover of
    // an older connection with the same id and the queue replay all come after, under this id.
    if (binding.clientId !== client.id) (client as { id: string }).id = binding.clientId;
    const guard = this.#guards.get(client);
    if (guard) guard.limit = principal.kind === 'device' ? this.#limits.devicePacketBytes : this.#limits.servicePacketBytes;
    this.#principals.set(client, principal);
    return undefined;
  }

  #watch(aedes: Aedes): void {
    const { logger, metrics } = this.#options;
    aedes.on('clientReady', (client) => {
      if (this.#principals.get(client)?.kind === 'device') {
        // A device whose login completed while refuseDevices() ran.
        if (this.#devicesRefused) client.close();
        else this.#devices.add(client);
      }
      logger.debug({ clientId: client.id, username: this.#principals.get(client)?.username }, 'MQTT client connected');
      metrics?.clientConnected?.(aedes.connectedClients);
    });
    aedes.on('clientDisconnect', (client) => {
      this.#devices.delete(client);
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

  #warnOnce(client: Client, key: string, fields: Record<string, unknown>, message: string): void {
    // One line per client and topic: a misconfigured device publishing frames would otherwise flood the log.
    let seen = this.#warnedTopics.get(client);
    if (!seen) this.#warnedTopics.set(client, (seen = new Set()));
    if (seen.has(key)) return;
    seen.add(key);
    this.#options.logger.warn(fields, message);
  }
}

/** A promise and its resolver (Promise.withResolvers needs Node 22). */
function gate(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function urlHost(host: string): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

function listen(server: Server, port: number, host: string, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host, setting, { cause: err }) : err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The clients Aedes holds (connected or closing); its types do not declare the map. */
function clientsOf(aedes: Aedes): Client[] {
  return Object.values((aedes as unknown as { clients: Record<string, Client> }).clients);
}
