import { busSubjects, deviceKey, deviceMessageId, statusMessageId, type DeviceRef } from '@premonitor/contracts';
import { encodeEvent, eventSubject, publishEvent, type Bus } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import { AbandonedError, persistIsolating, type FailureKind, type Poisoned } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import { Batcher } from './batcher.js';
import { classifyMessage, type AcceptLimits } from './classify-message.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { AcceptedStatus, AcceptedTelemetry, DeadLetter, DeviceSeen, IngestStore } from './ingest-store.js';
import type { IncomingMessage } from './mqtt-gateway.js';
import { telemetryEventBytes } from './telemetry-event-bytes.js';

export interface IngestServiceOptions {
  readonly store: IngestStore;
  readonly bus: Bus;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly limits: AcceptLimits;
  /** Telemetry messages per database batch, and the longest a message waits for its batch. */
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  /** Telemetry batches persisted at once (more keeps the database busy while one is forwarded). */
  readonly batchConcurrency: number;
  /** Dead-letter payloads are cut to this many bytes (the original size is kept). */
  readonly deadLetterMaxBytes: number;
  readonly clock?: Clock;
  /** Backoff jitter (default `Math.random`). */
  readonly random?: () => number;
}

/** Running totals, for the periodic summary line and tests. */
export interface IngestStats {
  received: number;
  telemetryMessages: number;
  readingsStored: number;
  duplicateReadings: number;
  framesForwarded: number;
  rejected: number;
  /** Messages valid by the contract that could not be stored or forwarded, dead-lettered alone. */
  isolated: number;
}

interface Pending<T> {
  readonly item: T;
  readonly source: IncomingMessage;
}

/**
 * The gateway from devices to the core: validates each MQTT message, dead-letters what is
 * invalid, persists telemetry in batches, tracks device status, forwards frames, telemetry and
 * edge alerts to the bus, and only then acknowledges the message to the broker.
 */
export class IngestService {
  readonly stats: IngestStats = { received: 0, telemetryMessages: 0, readingsStored: 0, duplicateReadings: 0, framesForwarded: 0, rejected: 0, isolated: 0 };
  readonly #telemetry: Batcher<Pending<AcceptedTelemetry>>;
  readonly #status: Batcher<Pending<AcceptedStatus>>;
  readonly #deadLetters: Batcher<Pending<DeadLetter>>;
  readonly #seen: Batcher<DeviceSeen>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #clock: Clock;
  #stopped = false;

  constructor(private readonly options: IngestServiceOptions) {
    const clock = (this.#clock = options.clock ?? systemClock);
    const onError = (what: string) => (err: unknown, items: readonly unknown[]) => {
      if (err instanceof AbandonedError) options.logger.warn({ err, what, messages: items.length }, 'abandoned at shutdown; the messages stay unacknowledged with the broker');
      else options.logger.error({ err, what, messages: items.length }, 'unexpected failure; the messages stay unacknowledged until redelivered');
    };
    this.#telemetry = new Batcher<Pending<AcceptedTelemetry>>({
      maxSize: options.batchSize,
      maxWaitMs: options.batchMaxWaitMs,
      // Latency at low rates must not pay the max wait: alerts downstream wait for these rows.
      flushWhenIdle: true,
      concurrency: options.batchConcurrency,
      clock,
      flush: (batch) => this.#persist('telemetry', batch, (part) => this.#flushTelemetry(part), (p) => this.#isolate('telemetry', p.item.source, p.item.item.ref, p.error)),
      onError: onError('persisting telemetry'),
    });
    this.#status = new Batcher<Pending<AcceptedStatus>>({
      maxSize: 500,
      maxWaitMs: options.batchMaxWaitMs,
      flushWhenIdle: true,
      clock,
      flush: (batch) => this.#persist('status', batch, (part) => this.#flushStatus(part), (p) => this.#isolate('status', p.item.source, p.item.item.ref, p.error)),
      onError: onError('persisting status'),
    });
    this.#deadLetters = new Batcher<Pending<DeadLetter>>({
      maxSize: 500,
      maxWaitMs: options.batchMaxWaitMs,
      flushWhenIdle: true,
      clock,
      flush: (batch) => this.#persist('dead-letter', batch, (part) => this.#flushDeadLetters(part), (p) => this.#deadLetterRefused(p)),
      onError: onError('recording dead letters'),
    });
    // Not flushed when idle: touches only move last_seen, so coalescing a second of them saves writes.
    this.#seen = new Batcher<DeviceSeen>({
      maxSize: 1000,
      maxWaitMs: 1_000,
      clock,
      flush: (batch) =>
        this.#persist('touch', batch, (part) => options.store.touchDevices(part), (p) => {
          options.metrics.poison.inc({ channel: 'touch' });
          options.logger.error({ err: p.error, ...p.item.ref }, 'could not record that a device was seen; skipped');
        }),
      onError: onError('touching devices'),
    });
  }

  /** Handles one message from the broker. Never throws: bad input becomes a dead letter. */
  handle(source: IncomingMessage): void {
    this.stats.received++;
    const { limits, metrics } = this.options;
    const result = classifyMessage(source.topic, source.payload, this.#clock.now(), limits);
    metrics.messagesIn.inc({ channel: result.type === 'rejected' ? 'rejected' : result.type });
    switch (result.type) {
      case 'telemetry':
        this.#telemetry.add({ item: { ref: result.ref, message: result.message, receivedAt: source.receivedAt }, source });
        return;
      case 'status':
        this.#status.add({ item: { ref: result.ref, message: result.message, receivedAt: source.receivedAt }, source });
        return;
      case 'frame': {
        const { frame, ref, bytes } = result;
        this.#forward(source, 'frame', ref, () =>
          this.options.bus.publish(busSubjects.frames.subject(frame.kind, ref), bytes, { msgId: deviceMessageId(ref, frame.kind, frame.seq) }),
        );
        return;
      }
      case 'vibration': {
        // Forwarded, not stored: a window is thousands of samples, kept by the bus for its scorer.
        const { ref, message } = result;
        this.#forward(source, 'vibration', ref, () =>
          publishEvent(this.options.bus, 'vibration', [ref], { ...ref, ...message, receivedAt: source.receivedAt }, { msgId: deviceMessageId(ref, 'vibration', message.seq) }),
        );
        return;
      }
      case 'edge-alert': {
        const { ref, message } = result;
        this.#forward(source, 'edge-alert', ref, () =>
          publishEvent(this.options.bus, 'edgeAlerts', [ref], { ...message, ...ref }, { msgId: deviceMessageId(ref, 'edge-alert', message.seq) }),
        );
        return;
      }
      case 'rejected':
        this.stats.rejected++;
        metrics.rejected.inc({ reason: result.category });
        this.options.logger.warn({ topic: source.topic, reason: result.reason, ...result.ref }, 'message rejected');
        this.#deadLetters.add({
          item: {
            time: source.receivedAt,
            topic: source.topic.slice(0, 512),
            deviceId: result.ref ? deviceKey(result.ref) : null,
            reason: result.reason,
            payload: source.payload,
          },
          source,
        });
        return;
    }
  }

  /**
   * Writes a batch with `persistIsolating`: retried while the failure is transient (nothing is
   * acknowledged meanwhile), split until the bad messages are found when it is permanent.
   */
  #persist<T>(channel: string, batch: readonly T[], write: (part: readonly T[]) => Promise<void>, onPoison: (p: Poisoned<T>) => void | Promise<void>): Promise<void> {
    return persistIsolating(batch, {
      write,
      onPoison,
      onRetry: (err: unknown, attempt: number, kind: FailureKind) =>
        this.options.logger.error({ err, attempt, kind, messages: batch.length }, `writing ${channel} failed; retrying (messages stay unacknowledged)`),
      stopped: () => this.#stopped,
      clock: this.#clock,
      random: this.options.random,
    });
  }

  /** A valid message that could not be stored or forwarded on its own: dead-letter it (which acknowledges it). */
  #isolate(channel: string, source: IncomingMessage, ref: DeviceRef, error: unknown): void {
    const reason = `could not ${channel === 'telemetry' || channel === 'status' ? 'store' : 'forward'} ${channel}: ${describe(error)}`;
    this.stats.isolated++;
    this.options.metrics.poison.inc({ channel });
    this.options.logger.warn({ topic: source.topic, ...ref, reason }, 'message isolated and dead-lettered');
    this.#deadLetters.add({ item: { time: source.receivedAt, topic: source.topic.slice(0, 512), deviceId: deviceKey(ref), reason, payload: source.payload }, source });
  }

  /**
   * A dead letter the database refuses even after sanitizing: store it once more without its
   * payload and with the refusal as reason; if even that is refused, log it and acknowledge —
   * the one place a message is let go, rather than halt ingest behind it.
   */
  async #deadLetterRefused({ item: { item, source }, error }: Poisoned<Pending<DeadLetter>>): Promise<void> {
    this.options.metrics.poison.inc({ channel: 'dead-letter' });
    const bare: DeadLetter = { ...item, reason: `the dead letter itself was refused (${describe(error)}); its payload is not kept`, payload: new Uint8Array(0) };
    await persistIsolating([bare], {
      write: (part) => this.options.store.saveDeadLetters(part),
      onPoison: (p) => this.options.logger.error({ err: p.error, topic: item.topic, reason: item.reason }, 'could not record a dead letter at all; message acknowledged and dropped'),
      stopped: () => this.#stopped,
      clock: this.#clock,
      random: this.options.random,
    }).then(() => source.ack(), (err: unknown) => this.options.logger.warn({ err }, 'dead letter abandoned at shutdown'));
  }

  /** Persists and forwards everything received so far (on shutdown, and in tests). */
  async drain(): Promise<void> {
    await Promise.all([this.#telemetry.drain(), this.#status.drain(), this.#deadLetters.drain()]);
    await Promise.all([...this.#inFlight]);
    await this.#seen.drain();
  }

  /** Stops retrying failed batches (after `drain`, or when giving up on shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const b of [this.#telemetry, this.#status, this.#deadLetters, this.#seen]) b.stop();
  }

  /** Messages accepted but not yet persisted or forwarded. */
  backlog(): number {
    return this.#telemetry.size + this.#status.size + this.#deadLetters.size + this.#inFlight.size;
  }

  /** The backlog by channel, for the warning that names what a bounded stop abandoned. */
  backlogByChannel(): Record<string, number> {
    return { telemetry: this.#telemetry.size, status: this.#status.size, deadLetters: this.#deadLetters.size, forwarding: this.#inFlight.size, deviceTouches: this.#seen.size };
  }

  /**
   * Publishes a frame or edge alert, acknowledging it once the bus stored it. Transient bus
   * failures are retried with capped backoff; a permanent one (too large for the bus, invalid
   * subject, …) dead-letters the message instead of looping on it.
   */
  #forward(source: IncomingMessage, channel: string, ref: DeviceRef, publish: () => Promise<unknown>): void {
    let isolated = false;
    const done = this.#persist('forward', [source], () => publish().then(() => undefined), (p) => {
      isolated = true;
      this.#isolate(channel, source, ref, p.error);
    }).then(
      () => {
        if (isolated) return;
        this.stats.framesForwarded += channel === 'frame' ? 1 : 0;
        this.options.metrics.messagesOut.inc({ channel });
        this.options.metrics.handleLatency.observe({ channel }, (this.#clock.now() - source.receivedAt) / 1000);
        this.#seen.add({ ref, at: source.receivedAt });
        source.ack();
      },
      (err: unknown) => this.options.logger.warn({ err, channel, ...ref }, 'forwarding abandoned at shutdown; the message stays unacknowledged with the broker'),
    );
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  async #flushTelemetry(batch: readonly Pending<AcceptedTelemetry>[]): Promise<void> {
    const { store, bus, metrics } = this.options;
    const items = new Array<AcceptedTelemetry>(batch.length);
    let rows = 0;
    for (let i = 0; i < batch.length; i++) {
      const item = (items[i] = batch[i]!.item);
      rows += Object.keys(item.message.readings).length;
    }
    const inserted = await store.saveTelemetry(items);
    // All of the batch's events in flight at once; the bus pipelines them on one connection.
    const published = new Array<Promise<unknown>>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const { item: { ref, message, receivedAt }, source } = batch[i]!;
      // The payload was validated as telemetry a moment ago: splice the event around it rather than re-serialise it.
      const bytes = telemetryEventBytes(source.payload, ref, receivedAt) ?? encodeEvent('telemetry', { ...ref, ...message, receivedAt });
      published[i] = bus.publish(eventSubject('telemetry', [ref]), bytes, { msgId: deviceMessageId(ref, 'telemetry', message.seq) });
    }
    await Promise.all(published);
    this.stats.telemetryMessages += batch.length;
    this.stats.readingsStored += inserted;
    this.stats.duplicateReadings += rows - inserted;
    metrics.readingsStored.inc(inserted);
    metrics.duplicates.inc(rows - inserted);
    metrics.messagesOut.inc({ channel: 'telemetry' }, batch.length);
    metrics.batchSize.observe({ batch: 'telemetry' }, batch.length);
    const now = this.#clock.now();
    for (const { source } of batch) {
      metrics.handleLatency.observe({ channel: 'telemetry' }, (now - source.receivedAt) / 1000);
      source.ack();
    }
  }

  async #flushStatus(batch: readonly Pending<AcceptedStatus>[]): Promise<void> {
    const { store, bus } = this.options;
    const times = await store.saveStatus(batch.map((p) => p.item));
    await Promise.all(
      batch.map(({ item: { ref, message } }, i) => {
        const ts = times[i]!;
        // A status redelivered after a crash (or retained, at a new subscription) gets the same id: one event on the bus.
        return publishEvent(bus, 'status', [ref], { ...ref, state: message.state, ts }, { msgId: statusMessageId(ref, message.state, ts) });
      }),
    );
    for (const { source } of batch) source.ack();
  }

  async #flushDeadLetters(batch: readonly Pending<DeadLetter>[]): Promise<void> {
    await this.options.store.saveDeadLetters(batch.map((p) => p.item));
    for (const { source } of batch) source.ack();
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}
