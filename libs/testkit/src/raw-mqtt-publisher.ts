import { connect, type Socket } from 'node:net';
import { PacketReader, PacketType, connectPacket, remainingLength } from './mqtt-wire.js';

/** One simulated device of the bench. */
export interface PublisherSpec {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly topic: string;
  /** Most QoS 1 publishes awaiting their PUBACK. */
  readonly window: number;
}

/** What one publishing phase achieved. */
export interface PhaseResult {
  /** PUBACKed publishes: the broker took responsibility for these. */
  readonly acked: number;
  /** Publishes written but never acknowledged (connection lost, or the ack timeout hit). */
  readonly unacked: number;
  /** Wall-clock ms of the first publish and the last PUBACK (0 when none). */
  readonly firstPublishAt: number;
  readonly lastAckAt: number;
}

interface Phase {
  remaining: number;
  deadline: number;
  /** Messages per ms this device may send (0 = as fast as the window allows). */
  rate: number;
  sent: number;
  acked: number;
  first: number;
  lastAck: number;
  done: () => void;
}

/** Shortest pause between paced refills: sub-ms timers cost more CPU than they smooth. */
const PACE_TICK_MS = 10;

/** How long a phase waits for outstanding PUBACKs after its last publish. */
const ACK_TIMEOUT_MS = 60_000;
const READING_KEYS = ['temperature', 'vibration_rms', 'vibration_peak', 'current', 'voltage', 'pressure', 'flow', 'rpm', 'humidity', 'power'];

/**
 * A deliberately minimal MQTT 3.1.1 QoS 1 publisher on a raw socket. mqtt.js keeps a packet
 * store, callbacks and timers per message, which at tens of thousands of messages per second
 * would make the publishers compete with the broker and ingest for this machine's two cores.
 * Here a PUBLISH is one buffer, PUBACKs are counted, and a bounded window of unacknowledged
 * messages stands in for a device's outgoing queue. Every message is valid telemetry
 * (`telemetryMessage`: ts = send time, a per-device seq, 10 readings).
 */
export class RawMqttPublisher {
  #socket: Socket | undefined;
  readonly #reader = new PacketReader();
  readonly #topic: Buffer;
  #seq = 0;
  #packetId = 0;
  #inFlight = 0;
  #onConnack: ((code: number) => void) | undefined;
  #phase: Phase | undefined;
  #pacer: ReturnType<typeof setTimeout> | undefined;
  #closedError: Error | undefined;

  constructor(private readonly spec: PublisherSpec) {
    this.#topic = Buffer.from(spec.topic);
  }

  async connect(): Promise<void> {
    const { host, port, clientId, username, password } = this.spec;
    const socket = connect({ host, port, noDelay: true });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => {
      this.#closedError ??= new Error(`publisher ${clientId}: connection closed by the broker`);
      this.#phase?.done();
    });
    socket.on('error', (err) => (this.#closedError = err));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const code = await new Promise<number>((resolve, reject) => {
      this.#onConnack = resolve;
      socket.once('close', () => reject(this.#closedError ?? new Error('closed before CONNACK')));
      socket.write(connectPacket({ clientId, username, password }));
    });
    if (code !== 0) throw new Error(`publisher ${clientId}: CONNACK return code ${code} (5 = not authorised: check the password file and ACL)`);
  }

  /**
   * Publishes `count` messages, or until `deadline` (wall-clock ms), then waits for their PUBACKs.
   * With `ratePerS` > 0 the device sends at that steady rate (a constant-rate schedule from its
   * first publish, so a stall is caught up afterwards) instead of as fast as its window allows.
   */
  run(limit: { count?: number; deadline?: number; ratePerS?: number }): Promise<PhaseResult> {
    return new Promise<PhaseResult>((resolve) => {
      const phase: Phase = {
        remaining: limit.count ?? Number.POSITIVE_INFINITY,
        deadline: limit.deadline ?? Number.POSITIVE_INFINITY,
        rate: (limit.ratePerS ?? 0) / 1000,
        sent: 0,
        acked: 0,
        first: 0,
        lastAck: 0,
        done: () => {
          clearTimeout(timer);
          if (this.#pacer !== undefined) clearTimeout(this.#pacer);
          this.#pacer = undefined;
          this.#phase = undefined;
          resolve({ acked: phase.acked, unacked: this.#inFlight, firstPublishAt: phase.first, lastAckAt: phase.lastAck });
        },
      };
      // A broker that stops acking must not hang the bench: give up ACK_TIMEOUT_MS after the deadline.
      const budget = Number.isFinite(phase.deadline) ? phase.deadline - Date.now() + ACK_TIMEOUT_MS : 30 * 60_000;
      const timer = setTimeout(() => phase.done(), budget);
      this.#phase = phase;
      if (this.#closedError) return phase.done();
      this.#fill();
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(Buffer.from([0xe0, 0x00]));
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
  }

  #fill(): void {
    const phase = this.#phase;
    const socket = this.#socket;
    if (!phase || !socket || this.#closedError) return;
    const now = Date.now();
    if (phase.remaining <= 0 || now >= phase.deadline) {
      if (this.#inFlight === 0) phase.done();
      return;
    }
    if (phase.first === 0) phase.first = now;
    let n = Math.min(this.spec.window - this.#inFlight, phase.remaining);
    if (phase.rate > 0) {
      const due = Math.floor((now - phase.first) * phase.rate) + 1 - phase.sent;
      // The window allows more than is due: come back when the next message is.
      if (due < n) this.#pace(phase, Math.ceil((phase.sent + Math.max(due, 0)) / phase.rate) - (now - phase.first));
      n = Math.min(n, due);
    }
    if (n <= 0) return;
    const packets: Buffer[] = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) packets[i] = this.#publishPacket(now);
    phase.remaining -= n;
    phase.sent += n;
    this.#inFlight += n;
    // One write per refill: the acks of a TCP read arrive together, so do their replacements.
    socket.write(n === 1 ? packets[0]! : Buffer.concat(packets));
  }

  /** Refills again in `ms` (once: a pending refill already covers an earlier moment). */
  #pace(phase: Phase, ms: number): void {
    if (this.#pacer !== undefined) return;
    this.#pacer = setTimeout(() => {
      this.#pacer = undefined;
      if (this.#phase === phase) this.#fill();
    }, Math.max(PACE_TICK_MS, Math.min(ms, phase.deadline - Date.now())));
  }

  #publishPacket(ts: number): Buffer {
    const seq = this.#seq++;
    let body = `{"ts":${ts},"seq":${seq},"readings":{`;
    for (let k = 0; k < READING_KEYS.length; k++) {
      const value = Math.round((50 + 10 * Math.sin(seq / 50 + k) + Math.random()) * 1000) / 1000;
      body += `${k ? ',' : ''}"${READING_KEYS[k]}":${value}`;
    }
    body += '}}';
    this.#packetId = (this.#packetId % 0xffff) + 1;
    const payloadLength = Buffer.byteLength(body);
    const remaining = 2 + this.#topic.length + 2 + payloadLength;
    const header = remainingLength(remaining);
    const packet = Buffer.allocUnsafe(1 + header.length + remaining);
    let o = 0;
    packet[o++] = 0x32; // PUBLISH, QoS 1
    for (const b of header) packet[o++] = b;
    packet.writeUInt16BE(this.#topic.length, o);
    o += 2;
    this.#topic.copy(packet, o);
    o += this.#topic.length;
    packet.writeUInt16BE(this.#packetId, o);
    o += 2;
    packet.write(body, o, 'utf8');
    return packet;
  }

  #receive(chunk: Buffer): void {
    let acks = 0;
    for (const packet of this.#reader.push(chunk)) {
      if (packet.type === PacketType.puback) acks++;
      else if (packet.type === PacketType.connack) this.#onConnack?.(packet.body[1]!);
    }
    if (acks === 0) return;
    this.#inFlight -= acks;
    const phase = this.#phase;
    if (!phase) return;
    phase.acked += acks;
    phase.lastAck = Date.now();
    this.#fill();
  }
}
