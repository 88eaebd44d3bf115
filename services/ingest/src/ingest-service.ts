import { busSubjects, deviceKey, deviceMessageId, type DeviceRef } from '@premonitor/contracts';
import { encodeEvent, eventSubject, publishEvent, realClock, type Bus, type Clock } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
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
}

/** Running totals, for the periodic summary line and tests. */
export interface IngestStats {
  received: number;
  telemetryMessages: number;
  readingsStored: number;
  duplicateReadings: number;
  framesForwarded: number;
  rejected: number;
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
  readonly stats: IngestStats = { received: 0, telemetryMessages: 0, readingsStored: 0, duplicateReadings: 0, framesForwarded: 0, rejected: 0 };
  readonly #telemetry: Batcher<Pending<AcceptedTelemetry>>;
  readonly #status: Batcher<Pending<AcceptedStatus>>;
  readonly #deadLetters: Batcher<Pending<DeadLetter>>;
  readonly #seen: Batcher<DeviceSeen>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #clock: Clock;

  constructor(private readonly options: IngestServiceOptions) {
    const clock = (this.#clock = options.clock ?? realClock);
    const onError = (what: string) => (err: unknown, attempt: number) =>
      options.logger.error({ err, attempt }, `${what} failed; retrying (messages stay unacknowledged)`);
    this.#telemetry = new Batcher({
      maxSize: options.batchSize,
      maxWaitMs: options.batchMaxWaitMs,
      // Latency at low rates must not pay the max wait: alerts downstream wait for these rows.
      flushWhenIdle: true,
      concurrency: options.batchConcurrency,
      clock,
      flush: (batch) => this.#flushTelemetry(batch),
      onError: onError('persisting telemetry'),
    });
    this.#status = new Batcher({ maxSize: 500, maxWaitMs: options.batchMaxWaitMs, flushWhenIdle: true, clock, flush: (b) => this.#flushStatus(b), onError: onError('persisting status') });
    this.#deadLetters = new Batcher({ maxSize: 500, maxWaitMs: options.batchMaxWaitMs, flushWhenIdle: true, clock, flush: (b) => this.#flushDeadLetters(b), onError: onError('recording dead letters') });
    // Not flushed when idle: touches only move last_seen, so coalescing a second of them saves writes.
    this.#seen = new Batcher({ maxSize: 1000, maxWaitMs: 1_000, clock, flush: (b) => options.store.touchDevices(b), onError: onError('touching devices') });
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

  /** Persists and forwards everything received so far (on shutdown, and in tests). */
  async drain(): Promise<void> {
    await Promise.all([this.#telemetry.drain(), this.#status.drain(), this.#deadLetters.drain()]);
    await Promise.all([...this.#inFlight]);
    await this.#seen.drain();
  }

  /** Stops retrying failed batches (after `drain`, or when giving up on shutdown). */
  stop(): void {
    for (const b of [this.#telemetry, this.#status, this.#deadLetters, this.#seen]) b.stop();
  }

  /** Messages accepted but not yet persisted or forwarded. */
  backlog(): number {
    return this.#telemetry.size + this.#status.size + this.#deadLetters.size + this.#inFlight.size;
  }

  #forward(source: IncomingMessage, channel: string, ref: DeviceRef, publish: () => Promise<unknown>): void {
    const attempt = async (): Promise<void> => {
      for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
        try {
          await publish();
          return;
        } catch (err) {
          this.options.logger.error({ err, ...ref }, `forwarding ${channel} to the bus failed; retrying`);
          await new Promise<void>((r) => this.#clock.setTimeout(r, delay));
        }
      }
    };
    const done = attempt().then(() => {
      this.stats.framesForwarded += channel === 'frame' ? 1 : 0;
      this.options.metrics.messagesOut.inc({ channel });
      this.options.metrics.handleLatency.observe({ channel }, (this.#clock.now() - source.receivedAt) / 1000);
      this.#seen.add({ ref, at: source.receivedAt });
      source.ack();
    });
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
    await store.saveStatus(batch.map((p) => p.item));
    await Promise.all(
      batch.map(({ item: { ref, message, receivedAt } }) =>
        publishEvent(bus, 'status', [ref], { ...ref, state: message.state, ts: message.ts ?? receivedAt }),
      ),
    );
    for (const { source } of batch) source.ack();
  }

  async #flushDeadLetters(batch: readonly Pending<DeadLetter>[]): Promise<void> {
    await this.options.store.saveDeadLetters(batch.map((p) => p.item));
    for (const { source } of batch) source.ack();
  }
}
