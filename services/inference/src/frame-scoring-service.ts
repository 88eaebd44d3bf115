import { busSubjects, decodeFrame, deviceKey, deviceMessageId, parseFrameSubject, type DeviceRef, type Frame, type FrameKind, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus, type BusMessage } from '@premonitor/bus';
import type { DeadLetterInput, NewScore } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ConsumerPolicy } from '@premonitor/resilience';
import { frameRows, scoreFrames, type FrameRows } from '@premonitor/ml/scoring';
import { systemClock, type Clock } from '@premonitor/time';
import { rejectCategory, type InferenceMetrics } from './inference-metrics.js';
import { MicroBatcher } from './micro-batcher.js';
import type { ModelSlot } from './model-slot.js';
import type { DeviceBaselines } from './baseline/device-baselines.js';
import type { RecentFrames, ScoredWireFrame } from './recent-frames.js';
import type { ScoreStore } from './score-store.js';
import type { ScoringModel } from './scoring-model.js';
import { inputSummary } from './input-summary.js';

/** Collaborators and settings of {@link FrameScoringService}. */
export interface FrameScoringOptions {
  /** The frame kind this instance scores. */
  readonly kind: FrameKind;
  readonly slot: ModelSlot;
  readonly store: ScoreStore;
  /** Per-device baselines: frames of enrolled devices are scored against their own; absent = fleet only. */
  readonly baselines?: DeviceBaselines;
  /** The bounded store of recent frames (high scorers and a sample of normal ones); absent = none kept. */
  readonly recentFrames?: RecentFrames;
  readonly bus: Bus;
  /** Settles failed frames: nak with backoff while the failure is transient, dead letter in the end. */
  readonly policy: ConsumerPolicy;
  /** The frames consumer's durable name: the `source` of the dead letters of invalid frames. */
  readonly consumer: string;
  readonly metrics: InferenceMetrics;
  readonly logger: Logger;
  /** Most frames per model run. */
  readonly batchSize: number;
  /** Longest a frame waits for its batch, ms. */
  readonly batchMaxWaitMs: number;
  /**
   * Batches in flight at once (default 2): batch k+1 is scored while batch k is stored and
   * published. Results are still published in batch order.
   */
  readonly pipelineDepth?: number;
  readonly clock?: Clock;
}

/** Counters for tests and logs. */
export interface FrameScoringStats {
  scored: number;
  duplicates: number;
  rejected: number;
  failedBatches: number;
}

type Pending =
  | { readonly type: 'frame'; readonly message: BusMessage; readonly ref: DeviceRef; readonly frame: Frame; readonly receivedAt: number }
  | { readonly type: 'reject'; readonly message: BusMessage; readonly reason: string; readonly deviceId: string | null };

/**
 * The consumer side of inference: frames from the bus are decoded and validated, batched,
 * scored with one model run per batch, then persisted to `scores` and published on
 * `pm.scores.{kind}.{site}.{device}`; each message is acknowledged only after both. Frames
 * that fail validation go to `dead_letters` (and are then acknowledged). A batch that fails
 * is handed to the consumer policy as a whole: while the failure is transient (database down)
 * its frames are nak-ed with backoff for as long as it lasts; otherwise each frame comes back
 * to be scored alone, and a frame that keeps failing alone is dead-lettered. Redelivery is
 * safe because the `scores` unique key and the bus dedup id (`site.device.kind.seq`) turn a
 * second scoring into a no-op.
 */
export class FrameScoringService {
  readonly stats: FrameScoringStats = { scored: 0, duplicates: 0, rejected: 0, failedBatches: 0 };
  readonly #o: FrameScoringOptions;
  readonly #clock: Clock;
  readonly #batcher: MicroBatcher<Pending>;
  /** Resolves once the previous batch issued its publishes: keeps score events in batch order. */
  #emitted: Promise<void> = Promise.resolve();
  /** Frames that failed with their batch, now handled one per batch. */
  readonly #alone = new Set<Promise<void>>();

  constructor(options: FrameScoringOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#batcher = new MicroBatcher<Pending>({
      maxSize: options.batchSize,
      maxWaitMs: options.batchMaxWaitMs,
      concurrency: options.pipelineDepth ?? 2,
      clock: this.#clock,
      flush: (items) => this.#flush(items),
      onError: (err) => options.logger.error({ err }, 'inference batch failed unexpectedly'),
    });
  }

  /** Bus handler: validates and queues; never blocks, so the consumer keeps fetching. */
  handle(message: BusMessage): void {
    const { kind, metrics } = this.#o;
    metrics.framesIn.inc({ kind });
    const ref = parseFrameSubject(message.subject, kind);
    if (!ref) {
      this.#batcher.add({ type: 'reject', message, reason: `subject '${message.subject}' is not a ${kind} frame subject (${busSubjects.frames.ofKind(kind)} with a valid site and device)`, deviceId: null });
      return;
    }
    const decoded = decodeFrame(message.data, kind);
    if (!decoded.ok) {
      this.#batcher.add({ type: 'reject', message, reason: decoded.reason, deviceId: deviceKey(ref) });
      return;
    }
    const pending: Pending = { type: 'frame', message, ref, frame: decoded.value, receivedAt: this.#clock.now() };
    if (!this.#o.policy.isSuspect(message)) {
      this.#batcher.add(pending);
      return;
    }
    // It failed together with its batch: alone, its own failure is told from its batch-mates'.
    const alone = this.#flush([pending]);
    this.#alone.add(alone);
    void alone.finally(() => this.#alone.delete(alone));
  }

  /** Frames queued and not yet handled. */
  backlog(): number {
    return this.#batcher.size + this.#alone.size;
  }

  /** Handles everything queued (scoring, persisting, acknowledging). */
  async drain(): Promise<void> {
    await Promise.all([this.#batcher.drain(), ...this.#alone]);
    await this.#o.policy.settled();
  }

  stop(): void {
    this.#batcher.stop();
  }

  async #flush(items: readonly Pending[]): Promise<void> {
    const { kind, slot, store, bus, metrics, logger } = this.#o;
    const hasFrames = items.some((i) => i.type === 'frame');
    const lease = hasFrames ? slot.lease() : undefined;
    // Taken in batch order, before scoring: a batch publishes only after the one before it did.
    const previous = this.#emitted;
    let emitted!: () => void;
    this.#emitted = new Promise<void>((resolve) => (emitted = resolve));
    // Every message of the batch is settled exactly once: acked on success, nak-ed otherwise.
    const settle: BusMessage[] = [];
    try {
      const deadLetters: DeadLetterInput[] = [];
      const scorable: { item: Extract<Pending, { type: 'frame' }>; rows: FrameRows }[] = [];
      for (const item of items) {
        if (item.type === 'reject') {
          deadLetters.push({ topic: item.message.subject, deviceId: item.deviceId, reason: item.reason, payload: item.message.data, source: this.#o.consumer });
        } else if (!lease) {
          // Only reachable once the model was cleared at shutdown: leave the frame for a later run.
          this.#o.policy.retryLater(item.message);
          continue;
        } else {
          try {
            scorable.push({ item, rows: frameRows(item.frame, lease.model) });
          } catch (err) {
            deadLetters.push({ topic: item.message.subject, deviceId: deviceKey(item.ref), reason: `cannot adapt the frame to the model: ${(err as Error).message}`, payload: item.message.data, source: this.#o.consumer });
          }
        }
        settle.push(item.message);
      }
      const model = lease?.model;
      const baselines = model && this.#o.baselines?.baselinesFor(model, scorable.map((s) => deviceKey(s.item.ref)));
      const results = model && scorable.length > 0 ? await scoreFrames(model, scorable.map((s) => s.rows), baselines) : [];
      // Enrollment samples are stored before anything is acknowledged (nothing lost on a crash).
      const enrolled = model && this.#o.baselines ? this.#o.baselines.observe(model, scorable.map(({ item }, i) => ({ ref: item.ref, at: item.frame.ts, result: results[i]! }))) : undefined;
      // Handled below with the other writes; this only keeps a failure while we wait from counting as unhandled.
      enrolled?.catch(() => undefined);
      await previous;
      const now = this.#clock.now();
      const rows: NewScore[] = [];
      const publishes: Promise<unknown>[] = [];
      const kept: ScoredWireFrame[] = [];
      scorable.forEach(({ item }, i) => {
        const { score, reference } = results[i]!;
        const version = model!.version;
        const ts = Math.floor(item.frame.ts);
        const latencyMs = Math.max(0, now - item.receivedAt);
        const input = inputSummary(item.frame);
        const event: ScoreEvent = { site: item.ref.site, device: item.ref.device, kind, ts, seq: item.frame.seq, score, modelVersion: version, latencyMs, reference, ...(input ? { input } : {}) };
        rows.push({ time: new Date(ts), device_id: deviceKey(item.ref), kind, score, model_version: version, latency_ms: latencyMs, seq: item.frame.seq, reference });
        kept.push({ ref: item.ref, seq: item.frame.seq, ts, score, data: item.message.data });
        metrics.references.inc({ kind, reference });
        metrics.scores.observe({ kind, reference }, score);
        publishes.push(publishEvent(bus, 'scores', [kind, item.ref], event, { msgId: deviceMessageId(item.ref, kind, item.frame.seq) }));
        metrics.latency.observe({ kind }, latencyMs / 1000);
      });
      const saved = Promise.all([store.saveScores(rows), deadLetters.length > 0 ? store.saveDeadLetters(deadLetters) : undefined, enrolled, this.#o.recentFrames?.keep(kept), ...publishes]);
      emitted();
      const [written] = await saved;
      for (const message of settle) message.ack();
      this.stats.scored += rows.length;
      this.stats.duplicates += rows.length - written;
      this.stats.rejected += deadLetters.length;
      if (model && rows.length > 0) {
        metrics.scored.inc({ kind, model_version: model.version }, rows.length);
        metrics.batchSize.observe({ kind }, rows.length);
      }
      for (const d of deadLetters) metrics.rejected.inc({ kind, reason: rejectCategory(d.reason) });
    } catch (err) {
      this.stats.failedBatches++;
      metrics.batchFailures.inc({ kind });
      logger.error({ err, messages: settle.length }, 'inference batch failed; its frames will be redelivered');
      for (const message of settle) this.#o.policy.fail(message, err, { batched: settle.length > 1 });
    } finally {
      emitted();
      lease?.release();
    }
  }
}
