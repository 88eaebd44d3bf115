import mqtt, { type IClientOptions, type MqttClient, type IPublishPacket } from 'mqtt';
import { maskUrl, type Logger } from '@premonitor/log';
import { settleWithin } from '@premonitor/resilience';

/** One message from the broker. `ack()` releases its PUBACK (in arrival order). */
export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Local receive time, ms since epoch. */
  readonly receivedAt: number;
  /** Marks the message handled; the broker forgets it once every earlier message is handled too. */
  ack(): void;
}

export interface MqttGatewayOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Stable client id: with a persistent session the broker queues messages while we are away. */
  readonly clientId: string;
  readonly subscriptions: readonly string[];
  /**
   * Most unacknowledged messages the broker may send us (MQTT 5 Receive Maximum). This is the
   * back-pressure: a slow database holds acks, the broker holds the rest in the session queue.
   */
  readonly receiveMaximum: number;
  /** 5 (Mosquitto; enables Receive Maximum) or 4 = MQTT 3.1.1 (Aedes speaks only that). */
  readonly protocolVersion: 4 | 5;
  readonly logger: Logger;
}

interface PendingAck {
  readonly generation: number;
  readonly packet: { cmd: 'puback'; messageId: number; reasonCode?: number };
  handled: boolean;
}

type SendPacket = (packet: object, cb?: () => void) => void;

/**
 * Subscribes to device topics and hands each message on, acknowledging it to the broker only
 * once the caller says it is handled (persisted or forwarded). That is what makes ingest
 * at-least-once: a crash before the ack leaves the message with the broker, which redelivers it.
 *
 * mqtt.js sends a QoS 1 PUBACK as soon as its message handler returns and processes incoming
 * packets one at a time until then, so holding the ack inside the handler would serialise
 * ingest to one message per database round trip. Instead the PUBACK packet is intercepted as
 * mqtt.js tries to send it: the pipeline continues at once and the packet is sent later, in
 * arrival order, when `ack()` has been called for it and every earlier message.
 */
export class MqttGateway {
  #client: MqttClient | undefined;
  #generation = 0;
  /** Unacknowledged messages in arrival order; `#head` is the first live entry (shift() is O(n)). */
  #pending: PendingAck[] = [];
  #head = 0;
  #handler: ((message: IncomingMessage) => void) | undefined;
  #connected = false;
  #paused = false;
  #lastAlive = 0;

  constructor(private readonly options: MqttGatewayOptions) {}

  /** Registers the single consumer of incoming messages (before `start`). */
  onMessage(handler: (message: IncomingMessage) => void): void {
    this.#handler = handler;
  }

  isConnected(): boolean {
    return this.#connected;
  }

  /** Messages received but not yet acknowledged to the broker. */
  pendingAcks(): number {
    return this.#pending.length - this.#head;
  }

  /** Connects and, for a fresh session, subscribes; resolves once the broker confirmed the subscriptions. */
  async start(): Promise<void> {
    const { url, username, password, clientId, receiveMaximum, protocolVersion, logger } = this.options;
    const clientOptions: IClientOptions = {
      clientId,
      username,
      password,
      protocolVersion,
      clean: false,
      properties: protocolVersion === 5 ? { sessionExpiryInterval: 7 * 24 * 3600, receiveMaximum } : undefined,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      resubscribe: true,
      // mqtt.js otherwise calls a `debug` logger several times per packet, formatting arguments
      // even when DEBUG is unset: measurable at tens of thousands of messages per second.
      log: () => undefined,
    };
    const client = mqtt.connect(url, clientOptions);
    this.#client = client;
    this.#interceptPubacks(client);
    client.handleMessage = (_packet, callback) => this.#admit(() => callback());

    client.on('message', (topic, payload, packet: IPublishPacket) => this.#receive(topic, payload, packet));
    // Settled once the session holds the subscriptions: until then the broker would drop device messages for want of a subscriber.
    let subscribed!: (err?: Error) => void;
    const ready = new Promise<void>((resolve, reject) => (subscribed = (err) => (err ? reject(err) : resolve())));
    client.on('connect', (connack) => {
      this.#connected = true;
      logger.info({ url: maskUrl(url), sessionPresent: connack.sessionPresent }, 'connected to MQTT broker');
      if (connack.sessionPresent) {
        subscribed();
        return;
      }
      // A fresh session (first start, or the broker lost it) needs the subscriptions again.
      client.subscribe([...this.options.subscriptions], { qos: 1 }, (err, granted) => {
        if (err) logger.error({ err }, 'subscribe failed');
        const refused = granted?.filter((g) => g.qos > 2) ?? [];
        if (refused.length) logger.error({ refused: refused.map((g) => g.topic) }, 'broker refused subscriptions');
        subscribed(err ?? (refused.length ? new Error(`the MQTT broker refused ingest's subscriptions ${refused.map((g) => g.topic).join(', ')}: check the account's role and ACL`) : undefined));
      });
    });
    client.on('close', () => {
      if (this.#connected && this.#client === client) logger.warn('MQTT connection closed; reconnecting');
      this.#connected = false;
      // Acks of the old connection are void: the broker redelivers those messages to the new one.
      this.#generation++;
      this.#pending = [];
      this.#head = 0;
      this.#releaseWaiters();
    });
    client.on('error', (err) => logger.error({ err: err.message }, 'MQTT error'));

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`cannot connect to MQTT broker at ${maskUrl(url)} within 10 s: is it running, and are MQTT_URL and the credentials right?`));
      }, 10_000);
      ready.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Stops handing messages on. Whatever arrives from now on stays unacknowledged, so the broker
   * keeps it for the next session; call before draining on shutdown.
   */
  pause(): void {
    this.#paused = true;
  }

  /**
   * Disconnects, sending what acks are ready first; after `timeoutMs` (a broker that does not
   * answer) the socket is closed regardless. Messages not yet acknowledged stay with the broker
   * for the next start.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    const ended = await settleWithin(client.endAsync(), timeoutMs);
    if (!ended) {
      this.options.logger.warn({ timeoutMs }, 'MQTT broker did not acknowledge the disconnect in time; closing the connection');
      // end(true) would be ignored: mqtt.js is already disconnecting. Close the socket itself.
      client.stream?.destroy();
    }
    this.#connected = false;
  }

  #interceptPubacks(client: MqttClient): void {
    const internals = client as unknown as { _sendPacket?: SendPacket };
    const original = internals._sendPacket;
    if (typeof original !== 'function') {
      throw new Error('mqtt.js internals changed (no _sendPacket): MqttGateway cannot defer acknowledgements');
    }
    const send = original.bind(client) as SendPacket;
    this.#sendNow = send;
    internals._sendPacket = (packet: object, cb?: () => void) => {
      const p = packet as { cmd?: string; messageId?: number };
      const entry = p.cmd === 'puback' ? this.#findUnsent(p.messageId) : undefined;
      if (!entry) {
        send(packet, cb);
        return;
      }
      entry.packet.reasonCode = (packet as { reasonCode?: number }).reasonCode ?? 0;
      cb?.();
      this.#flushAcks();
    };
  }

  #sendNow: SendPacket = () => undefined;

  /** mqtt.js acks right after emitting the message, so the entry is almost always the newest. */
  #findUnsent(messageId: number | undefined): PendingAck | undefined {
    for (let i = this.#pending.length - 1; i >= this.#head; i--) {
      const e = this.#pending[i]!;
      if (e.packet.messageId === messageId && e.packet.reasonCode === undefined) return e;
    }
    return undefined;
  }

  #receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const receivedAt = Date.now();
    // mqtt.js only counts PINGRESP and acks as signs of life. When the broker has a deep
    // queue for us, its PINGRESP waits behind megabytes of PUBLISH packets and mqtt.js would
    // drop a perfectly healthy connection ("Keepalive timeout") and start redelivery over.
    if (receivedAt - this.#lastAlive > 1_000) {
      this.#lastAlive = receivedAt;
      this.#client?.reschedulePing(true);
    }
    let entry: PendingAck | undefined;
    if (packet.qos > 0 && packet.messageId !== undefined) {
      entry = { generation: this.#generation, packet: { cmd: 'puback', messageId: packet.messageId }, handled: false };
      this.#pending.push(entry);
    }
    const generation = this.#generation;
    let acked = false;
    const ack = () => {
      if (acked || !entry || generation !== this.#generation) return;
      acked = true;
      entry.handled = true;
      this.#flushAcks();
    };
    if (!this.#handler) throw new Error('MqttGateway: onMessage() must be called before start()');
    if (this.#paused) return;
    this.#handler({ topic, payload, receivedAt, ack });
  }

  /** Sends PUBACKs from the head of the queue while they are handled and mqtt.js has produced them. */
  #flushAcks(): void {
    while (this.#head < this.#pending.length) {
      const head = this.#pending[this.#head]!;
      if (!head.handled || head.packet.reasonCode === undefined) break;
      this.#head++;
      if (head.generation === this.#generation) this.#sendNow(head.packet);
    }
    // Compact once the consumed prefix dominates, keeping memory proportional to the backlog.
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (this.pendingAcks() <= this.options.receiveMaximum / 2) this.#releaseWaiters();
  }

  readonly #waiters: Array<() => void> = [];

  #releaseWaiters(): void {
    for (const release of this.#waiters.splice(0)) release();
  }

  /**
   * mqtt.js calls this for every incoming PUBLISH and reads the next packet only when it calls
   * back. Mosquitto 2.0.11 does not honour Receive Maximum (one PUBACK releases a whole new
   * window), so the window is enforced here: past `receiveMaximum` unacknowledged messages
   * the socket stops being read until half of them are acknowledged, and TCP flow control
   * leaves the rest queued at the broker. Memory stays bounded whatever the broker does.
   */
  #admit(callback: () => void): void {
    if (this.pendingAcks() < this.options.receiveMaximum) {
      callback();
      return;
    }
    this.#waiters.push(callback);
  }
}

