import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

/** A durable consumer that still has work: messages not yet delivered or not yet acknowledged. */
export interface BusyConsumer {
  readonly stream: string;
  readonly name: string;
  readonly pending: number;
  readonly ackPending: number;
}

/**
 * Looks into the case's private JetStream: which consumers still have work, how many messages
 * a subject holds, and what a stream carried — counts from the bus itself, independent of what
 * the services report about themselves.
 */
export class JetStreamProbe {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(url: string): Promise<JetStreamProbe> {
    // Reconnects forever: the probe must survive the NATS restart case.
    const nc = await connect({ servers: url, name: 'faults-probe', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    return new JetStreamProbe(nc, await jetstreamManager(nc, { timeout: 5_000 }));
  }

  /** Consumers with undelivered or unacknowledged messages (empty when the bus is drained). */
  async busyConsumers(): Promise<BusyConsumer[]> {
    const busy: BusyConsumer[] = [];
    for await (const stream of this.jsm.streams.list()) {
      for await (const c of this.jsm.consumers.list(stream.config.name)) {
        if (c.num_pending > 0 || c.num_ack_pending > 0) busy.push({ stream: stream.config.name, name: c.name, pending: c.num_pending, ackPending: c.num_ack_pending });
      }
    }
    return busy;
  }

  /** Messages per subject of `stream` matching `filter` (e.g. `pm.frames.*.site.>`). */
  async subjectCounts(stream: string, filter: string): Promise<Map<string, number>> {
    try {
      const info = await this.jsm.streams.info(stream, { subjects_filter: filter });
      return new Map(Object.entries(info.state.subjects ?? {}));
    } catch (err) {
      if (/stream not found/i.test(String(err))) return new Map();
      throw err;
    }
  }

  /** Every message of `stream` on `filter`, decoded as JSON, in stream order. */
  async readJson<T>(stream: string, filter: string): Promise<T[]> {
    const total = [...(await this.subjectCounts(stream, filter)).values()].reduce((a, b) => a + b, 0);
    if (total === 0) return [];
    // A plain pull consumer with one filter subject: nats-server 2.9 knows no ordered consumers with filters.
    const name = `faults_read_${Date.now()}`;
    await this.jsm.consumers.add(stream, { name, filter_subject: filter, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000_000_000 });
    try {
      const consumer = await this.jsm.jetstream().consumers.get(stream, name);
      const out: T[] = [];
      while (out.length < total) {
        const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          out.push(m.json<T>());
        }
        if (got === 0) break;
      }
      return out;
    } finally {
      await this.jsm.consumers.delete(stream, name).catch(() => undefined);
    }
  }

  /** Calls `onMessage` with every message published on `subject` from now on (plain NATS, not durable). */
  subscribe(subject: string, onMessage: (data: Uint8Array) => void): void {
    const sub = this.nc.subscribe(subject);
    void (async () => {
      for await (const m of sub) onMessage(m.data);
    })();
  }

  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined);
  }
}
