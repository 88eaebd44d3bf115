import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import { busSubjects, deviceKey, vibrationModelInput, type VibrationScoreEvent, type VibrationWindowEvent } from '@premonitor/contracts';
import { decodeEvent, publishEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import { databaseDeadLetters, type DatabaseHandle } from '@premonitor/db';
import { KyselyScoreStore } from '@premonitor/inference/score-store';
import type { Logger } from '@premonitor/log';
import { VIBRATION_SCORE_THRESHOLD, VibrationScorer, type VibrationVerdict } from '@premonitor/ml/scoring';
import { ConsumerPolicy } from '@premonitor/resilience';
import { stopConsumer } from './stop-consumer.js';

/** What vibration scoring needs to know. */
export interface VibrationScoringSettings {
  /** Only this site's devices, or `*`. */
  readonly site: string;
  readonly deliverPolicy: 'all' | 'new';
  /** The vibration model (ONNX with its window contract and classes in the metadata). */
  readonly modelFile: string;
  /** Model classes that are faults: their summed probability above 0.5 alarms. */
  readonly faultClasses: readonly string[];
  /** Durable consumer name (default `vibration-scoring`). */
  readonly durable?: string;
  /** Longest `stop()` waits for the message in hand, ms (default 10,000). */
  readonly drainTimeoutMs?: number;
}

export interface VibrationScoringDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
}

/**
 * Vibration windows (`pm.frames.vibration.*`, sent by devices on their telemetry topic) scored by the
 * vibration model: each becomes a row in `scores` (kind `vibration`) and a
 * `pm.scores.vibration.*` event, then is acknowledged. A window the model cannot read — another
 * rate, length or channel set — is dead-lettered with the reason; a write that fails is retried.
 */
export class VibrationScoring {
  readonly #s: VibrationScoringSettings;
  readonly #d: VibrationScoringDependencies;
  readonly #scores: KyselyScoreStore;
  readonly #metrics: { windows: Counter; rejected: Counter; latency: Histogram };
  #scorer: VibrationScorer | undefined;
  #policy: ConsumerPolicy | undefined;
  #subscription: Subscription | undefined;

  constructor(settings: VibrationScoringSettings, deps: VibrationScoringDependencies, deadLetterMaxBytes: number) {
    this.#s = settings;
    this.#d = deps;
    this.#scores = new KyselyScoreStore(deps.db.db, { deadLetterMaxBytes });
    this.#metrics = {
      windows: new Counter({ name: 'pm_vibration_windows_scored_total', help: 'Vibration windows scored', registers: [deps.registry] }),
      rejected: new Counter({ name: 'pm_vibration_rejected_total', help: 'Vibration windows dead-lettered, by reason', labelNames: ['reason'], registers: [deps.registry] }),
      latency: new Histogram({ name: 'pm_vibration_score_seconds', help: 'Model time of one vibration window', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05], registers: [deps.registry] }),
    };
  }

  /** The loaded model's version (after `start`). */
  get modelVersion(): string | undefined {
    return this.#scorer?.version;
  }

  /** Loads the model (a missing or foreign file stops the start with the reason), then consumes. */
  async start(): Promise<void> {
    const bytes = new Uint8Array(await readFile(this.#s.modelFile));
    const scorer = (this.#scorer = await VibrationScorer.load(bytes, { faultClasses: this.#s.faultClasses, intraOpThreads: 1 }));
    const durable = this.#s.durable ?? 'vibration-scoring';
    const policy = (this.#policy = new ConsumerPolicy({ consumer: durable, deadLetters: databaseDeadLetters(this.#d.db.db), logger: this.#d.logger }));
    const filterSubject = this.#s.site === '*' ? busSubjects.vibration.wildcard : busSubjects.vibration.ofSite(this.#s.site);
    this.#subscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.vibration.stream, durable, filterSubject, deliverPolicy: this.#s.deliverPolicy }),
      policy.guard(async (message) => {
        const decoded = decodeEvent('vibration', message);
        if (!decoded.ok) return this.#reject(policy, message, 'invalid', `invalid vibration window: ${decoded.reason}`);
        const fitted = vibrationModelInput(decoded.value, scorer.shape);
        if (!fitted.ok) return this.#reject(policy, message, 'shape', `vibration window does not fit model ${scorer.version}: ${fitted.reason}`);
        const started = performance.now();
        const [verdict] = await scorer.score(fitted.input, 1);
        const latencyMs = performance.now() - started;
        this.#metrics.latency.observe(latencyMs / 1000);
        try {
          await this.#write(decoded.value, verdict!, scorer.version, latencyMs);
        } catch (err) {
          this.#d.logger.warn({ err, subject: message.subject }, 'vibration score not stored; redelivering');
          policy.fail(message, err);
          return;
        }
        this.#metrics.windows.inc();
        message.ack();
      }),
    );
    this.#d.logger.info({ model: scorer.version, site: this.#s.site, faultClasses: this.#s.faultClasses }, 'vibration scoring started');
  }

  /** Stops consuming (the window in hand finishes) and releases the model. */
  async stop(): Promise<void> {
    const drained = await stopConsumer(this.#subscription, this.#policy, this.#s.drainTimeoutMs ?? 10_000);
    if (!drained) this.#d.logger.warn('vibration scoring drain timed out; unacknowledged windows stay with the bus');
    else await this.#scorer?.release();
  }

  async #reject(policy: ConsumerPolicy, message: BusMessage, reason: string, text: string): Promise<void> {
    this.#metrics.rejected.inc({ reason });
    await policy.deadLetter(message, text);
  }

  async #write(window: VibrationWindowEvent, verdict: VibrationVerdict, modelVersion: string, latencyMs: number): Promise<void> {
    const ref = { site: window.site, device: window.device };
    await this.#scores.saveScores([{ time: new Date(window.ts), device_id: deviceKey(ref), kind: 'vibration', score: verdict.score, model_version: modelVersion, latency_ms: latencyMs, seq: window.seq, reference: 'fleet' }]);
    const event: VibrationScoreEvent = {
      ...ref,
      kind: 'vibration',
      ts: window.ts,
      seq: window.seq,
      score: verdict.score,
      threshold: VIBRATION_SCORE_THRESHOLD,
      unbalanceRatio: verdict.unbalanceRatio,
      faultProbability: verdict.faultProbability,
      predicted: verdict.predicted,
      probabilities: { ...verdict.probabilities },
      modelVersion,
      latencyMs,
      reference: 'fleet',
    };
    await publishEvent(this.#d.bus, 'vibrationScores', [ref], event, { msgId: `vibration-score.${ref.site}.${ref.device}.${window.ts}.${window.seq}` });
  }
}
