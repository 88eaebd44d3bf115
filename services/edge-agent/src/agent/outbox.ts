import { mqttTopic, type DeviceRef } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { after, sleep, type Clock } from '@premonitor/time';
import type { DiskQueue, QueueEntry } from './disk-queue.js';

/** What the agent sends upstream; `payload` already carries the original timestamp and seq. */
export type OutboxKind = 'telemetry' | 'acoustic' | 'thermal' | 'edge-alert';

/** One message for the core. */
export interface OutboxMessage {
  readonly kind: OutboxKind;
  readonly payload: Uint8Array;
}

/** The part of the MQTT uplink the outbox needs. */
export interface OutboxTransport {
  readonly connected: boolean;
  publish(topic: string, payload: Uint8Array): Promise<void>;
}

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  readonly ref: DeviceRef;
  readonly queue: DiskQueue;
  readonly transport: OutboxTransport;
  /** Most unacknowledged live publishes; beyond it messages go to the queue. Default 64. */
  readonly maxInFlight?: number;
  /** Replay rate after a reconnect, messages per second. Default 200. */
  readonly replayPerSecond?: number;
  /** How long a replayed message may wait for its PUBACK before the round is retried, ms. Default 30 000. */
  readonly ackTimeoutMs?: number;
  /** Records read from disk per replay round. Default 32. */
  readonly replayBatch?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Counters of the outbox. */
export interface OutboxStats {
  readonly sentLive: number;
  readonly queued: number;
  readonly replayed: number;
  readonly inFlight: number;
  readonly replaying: boolean;
}

const KIND_CODES: Record<OutboxKind, number> = { telemetry: 1, acoustic: 2, thermal: 3, 'edge-alert': 4 };
const KINDS_BY_CODE = new Map(Object.entries(KIND_CODES).map(([k, c]) => [c, k as OutboxKind]));

/**
 * Store-and-forward. While the broker is connected and nothing is queued, messages are
 * published at once (QoS 1). Otherwise — disconnected, the in-flight window full, or a
 * backlog still draining — they are appended to the disk queue, so the core receives them in
 * order. A lost connection spills every unacknowledged live message to the queue as well
 * (mqtt.js may also resend them; the core deduplicates). On reconnect the queue is replayed
 * oldest first, rate-limited, one batch at a time, each record committed only after its
 * PUBACK and only in order.
 */
export class Outbox {
  readonly #o: OutboxOptions;
  readonly #inFlight = new Map<number, OutboxMessage>();
  #nextId = 0;
  #appending = 0;
  #replay: Promise<void> | undefined;
  #generation = 0;
  #stopped = false;
  #sentLive = 0;
  #queued = 0;
  #replayed = 0;

  constructor(options: OutboxOptions) {
    this.#o = options;
  }

  /** Sends or queues one message; resolves once it is published or safely on disk. */
  async submit(message: OutboxMessage): Promise<void> {
    const { transport, queue } = this.#o;
    const direct = transport.connected && !this.#stopped && queue.stats().depth === 0 && this.#appending === 0 && !this.#replay && this.#inFlight.size < (this.#o.maxInFlight ?? 64);
    if (!direct) return this.#enqueue(message);
    const id = this.#nextId++;
    this.#inFlight.set(id, message);
    try {
      await transport.publish(this.#topic(message.kind), message.payload);
      if (this.#inFlight.delete(id)) this.#sentLive++;
    } catch {
      // Spilled already if the connection dropped; otherwise queue it now.
      if (this.#inFlight.delete(id)) await this.#enqueue(message);
    }
  }

  /** Call when the connection drops: unacknowledged live messages go to disk. */
  connectionLost(): void {
    this.#generation++;
    this.#o.queue.rewind();
    const spilled = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const m of spilled) void this.#enqueue(m).catch((err: unknown) => this.#o.logger.error({ err: String(err) }, 'could not queue an unacknowledged message'));
  }

  /** Call when the connection is (re-)established: starts replaying the backlog. */
  connected(): void {
    this.#kick();
  }

  /** Stops replaying; resolves when the current replay batch settled. Queued records stay on disk. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    await this.#replay;
  }

  stats(): OutboxStats {
    return { sentLive: this.#sentLive, queued: this.#queued, replayed: this.#replayed, inFlight: this.#inFlight.size, replaying: this.#replay !== undefined };
  }

  async #enqueue(message: OutboxMessage): Promise<void> {
    this.#appending++;
    try {
      await this.#o.queue.append(KIND_CODES[message.kind], message.payload);
      this.#queued++;
    } finally {
      this.#appending--;
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#replay || this.#stopped || !this.#o.transport.connected) return;
    const generation = this.#generation;
    this.#replay = this.#drain(generation)
      .catch((err: unknown) => this.#o.logger.error({ err: String(err) }, 'replay failed; will retry on the next message or reconnect'))
      .finally(() => {
        this.#replay = undefined;
        // Something was appended after the last read, or the connection came back meanwhile.
        if (this.#o.queue.stats().depth > 0 && this.#o.transport.connected) this.#kick();
      });
  }

  async #drain(generation: number): Promise<void> {
    const { queue, transport, clock } = this.#o;
    const gapMs = 1000 / (this.#o.replayPerSecond ?? 200);
    let started = false;
    const live = () => generation === this.#generation && transport.connected && !this.#stopped;
    // Live messages still in flight were sent before anything now queued: let them land first.
    while (this.#inFlight.size > 0 && live()) await sleep(clock, 5);
    while (live()) {
      const batch = await queue.read(this.#o.replayBatch ?? 32);
      if (batch.length === 0) break;
      if (!started) {
        started = true;
        this.#o.logger.info({ depth: queue.stats().depth }, 'replaying queued messages');
      }
      const acks: Array<Promise<boolean>> = [];
      for (const entry of batch) {
        if (!live()) break;
        acks.push(this.#publishEntry(entry));
        await sleep(clock, gapMs);
      }
      const outcomes = await Promise.all(acks);
      // Commit in order and stop at the first failure: a gap must never be committed over.
      for (let i = 0; i < outcomes.length; i++) {
        if (!outcomes[i] || generation !== this.#generation) {
          queue.rewind();
          return;
        }
        queue.commit(batch[i]!);
        this.#replayed++;
      }
      if (acks.length < batch.length) {
        queue.rewind();
        return;
      }
    }
    if (started) this.#o.logger.info({ depth: queue.stats().depth, replayed: this.#replayed }, 'replay round finished');
  }

  async #publishEntry(entry: QueueEntry): Promise<boolean> {
    const kind = KINDS_BY_CODE.get(entry.kind);
    if (!kind) {
      // Unknown kinds (a newer agent's queue) cannot be routed; skipping beats blocking the queue.
      this.#o.logger.warn({ code: entry.kind }, 'unknown record kind in the queue; skipped');
      return true;
    }
    // A publish caught in a dropped connection may stay pending until mqtt.js resends it;
    // the timeout keeps one such message from stalling the replay for ever.
    const timeoutMs = this.#o.ackTimeoutMs ?? 30_000;
    return new Promise<boolean>((resolve) => {
      const cancel = after(this.#o.clock, timeoutMs, () => resolve(false));
      this.#o.transport.publish(this.#topic(kind), entry.payload).then(
        () => {
          cancel();
          resolve(true);
        },
        () => {
          cancel();
          resolve(false);
        },
      );
    });
  }

  #topic(kind: OutboxKind): string {
    const { ref } = this.#o;
    if (kind === 'telemetry') return mqttTopic.telemetry(ref);
    if (kind === 'edge-alert') return mqttTopic.edgeAlert(ref);
    return mqttTopic.frame(ref, kind);
  }
}
