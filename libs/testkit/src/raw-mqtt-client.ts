import { connect, type Socket } from 'node:net';
import { DISCONNECT_PACKET, PacketReader, PacketType, connectPacket, parsePublish, pubackPacket, publishPacket, subscribePacket, type ConnectFields, type InboundPacket } from './mqtt-wire.js';

/** Where and as whom a raw client connects. */
export interface RawClientOptions extends ConnectFields {
  readonly host?: string;
  readonly port: number;
  /** Longest wait for the CONNACK, ms (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** How a CONNECT ended. */
export interface ConnectOutcome {
  /** The CONNACK return code (0 = accepted), or undefined when the broker closed or never answered. */
  readonly code: number | undefined;
  /** ms from the CONNECT to the answer (or the close, or the timeout). */
  readonly ms: number;
  /** True when the broker closed the connection instead of answering. */
  readonly closed: boolean;
  /** Set when the connection was accepted. */
  readonly client?: RawMqttClient;
}

/** A message the client received. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

/**
 * A minimal MQTT 3.1.1 client on a raw socket that sends exactly what it is told: any client
 * id, any topic, any payload, retained or not — what fuzzing and hostile-client tests need and
 * what a well-behaved library refuses to do. QoS 1 publishes resolve on their PUBACK (true) or
 * when the connection closes first (false). Received QoS 1 messages are acknowledged.
 */
export class RawMqttClient {
  readonly received: ReceivedMessage[] = [];
  /** Called for every message received, as it arrives. */
  onMessage: (message: ReceivedMessage) => void = () => {};
  readonly closed: Promise<void>;
  #closedByPeer = false;
  #isClosed = false;
  #nextId = 0;
  readonly #pending = new Map<number, (acked: boolean) => void>();
  readonly #subacks = new Map<number, (codes: number[]) => void>();

  private constructor(private readonly socket: Socket, reader: PacketReader, first: InboundPacket[]) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        for (const settle of this.#pending.values()) settle(false);
        this.#pending.clear();
        for (const settle of this.#subacks.values()) settle([]);
        this.#subacks.clear();
        resolve();
      }),
    );
    socket.on('end', () => (this.#closedByPeer = true));
    socket.on('data', (chunk: Buffer) => this.#handle(reader.push(chunk)));
    this.#handle(first);
  }

  /** Connects and sends CONNECT; resolves with the broker's answer (and the client when accepted). */
  static open(options: RawClientOptions): Promise<ConnectOutcome> {
    const started = performance.now();
    return new Promise<ConnectOutcome>((resolve) => {
      const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port, noDelay: true });
      const reader = new PacketReader();
      let settled = false;
      const finish = (outcome: Omit<ConnectOutcome, 'ms'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('data', onData);
        resolve({ ...outcome, ms: performance.now() - started });
      };
      const timer = setTimeout(() => {
        finish({ code: undefined, closed: false });
        socket.destroy();
      }, options.connectTimeoutMs ?? 10_000);
      const onData = (chunk: Buffer) => {
        const packets = reader.push(chunk);
        const index = packets.findIndex((p) => p.type === PacketType.connack);
        if (index < 0) return;
        const code = packets[index]!.body[1]!;
        if (code !== 0) {
          finish({ code, closed: false });
          socket.destroy();
          return;
        }
        finish({ code, closed: false, client: new RawMqttClient(socket, reader, packets.slice(index + 1)) });
      };
      socket.on('data', onData);
      socket.once('error', () => undefined);
      socket.once('close', () => finish({ code: undefined, closed: true }));
      socket.once('connect', () => socket.write(connectPacket(options)));
    });
  }

  /** True once the connection is gone. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** True when the broker ended the connection (rather than this client). */
  get closedByPeer(): boolean {
    return this.#closedByPeer;
  }

  /** QoS 1 publishes written and not yet acknowledged. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** QoS 1: resolves true on PUBACK, false if the connection closes first. QoS 0: true once written. */
  publish(topic: string | Uint8Array, payload: Uint8Array, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<boolean> {
    if (this.#isClosed) return Promise.resolve(false);
    const qos = options.qos ?? 1;
    if (qos === 0) {
      this.socket.write(publishPacket(topic, payload, { qos: 0, retain: options.retain }));
      return Promise.resolve(true);
    }
    const packetId = this.#packetId();
    return new Promise<boolean>((resolve) => {
      this.#pending.set(packetId, resolve);
      this.socket.write(publishPacket(topic, payload, { qos: 1, packetId, retain: options.retain }));
    });
  }

  /** Subscribes; resolves with the SUBACK return codes (0x80 = refused; [] if the connection closed). */
  subscribe(filters: readonly string[], qos: 0 | 1 = 1): Promise<number[]> {
    if (this.#isClosed) return Promise.resolve([]);
    const packetId = this.#packetId();
    return new Promise<number[]>((resolve) => {
      this.#subacks.set(packetId, resolve);
      this.socket.write(subscribePacket(packetId, filters, qos));
    });
  }

  /** Writes bytes as they are (malformed packets). */
  writeRaw(bytes: Uint8Array): void {
    if (!this.#isClosed) this.socket.write(bytes);
  }

  /** DISCONNECT, then close (destroyed after 2 s if the broker keeps it open). */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.socket.end(DISCONNECT_PACKET);
    const timer = setTimeout(() => this.socket.destroy(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  /** Drops the connection without DISCONNECT (a device losing power). */
  destroy(): void {
    this.socket.destroy();
  }

  #packetId(): number {
    for (let i = 0; i < 0xffff; i++) {
      this.#nextId = (this.#nextId % 0xffff) + 1;
      if (!this.#pending.has(this.#nextId) && !this.#subacks.has(this.#nextId)) return this.#nextId;
    }
    throw new Error('all 65535 packet ids are in flight');
  }

  #handle(packets: readonly InboundPacket[]): void {
    for (const p of packets) {
      if (p.type === PacketType.puback) {
        const id = p.body.readUInt16BE(0);
        const settle = this.#pending.get(id);
        this.#pending.delete(id);
        settle?.(true);
      } else if (p.type === PacketType.suback) {
        const id = p.body.readUInt16BE(0);
        const settle = this.#subacks.get(id);
        this.#subacks.delete(id);
        settle?.([...p.body.subarray(2)]);
      } else if (p.type === PacketType.publish) {
        const { topic, payload, qos, retain, packetId } = parsePublish(p);
        if (qos > 0 && packetId !== undefined) this.socket.write(pubackPacket(packetId));
        const message = { topic, payload: Buffer.from(payload), retain };
        this.received.push(message);
        this.onMessage(message);
      }
    }
  }
}
