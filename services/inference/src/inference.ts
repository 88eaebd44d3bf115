import { readFile } from 'node:fs/promises';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { busSubjects, type FrameKind } from '@premonitor/contracts';
import type { Bus, Subscription } from '@premonitor/bus';
import { databaseDeadLetters, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ReadinessCheck } from '@premonitor/http';
import { ConsumerPolicy, settleWithin } from '@premonitor/resilience';
import { FrameScoringService, type FrameScoringStats } from './frame-scoring-service.js';
import { createInferenceMetrics, type InferenceMetrics } from './inference-metrics.js';
import { ModelSlot } from './model-slot.js';
import { ModelWatcher, modelFaultCategory, type ModelLoader, type ModelStatus, type ProductionModelSource } from './model-watcher.js';
import { ModelContractError, ModelLoadError } from './model-errors.js';
import { createModelStatusApi } from './model-status-api.js';
import { OnnxScoringModel } from './onnx-scoring-model.js';
import { createScoreApi } from './score-api.js';
import { DEFAULT_UPLOAD_LIMITS, decodeUpload, type UploadLimits } from './upload-decoder.js';
import { KyselyScoreStore } from './score-store.js';
import { OnnxWorkerPool } from './onnx-worker-pool.js';
import { WorkerScoringModel } from './worker-scoring-model.js';
import { DeviceBaselines, type BaselineSettings } from './baseline/device-baselines.js';
import { DEFAULT_RECENT_FRAME_SETTINGS, RecentFrames, type RecentFrameSettings } from './recent-frames.js';
import { KyselyBaselineStore } from './baseline/baseline-store.js';
import { sha256Hex } from '@premonitor/registry';
import { systemClock, type Clock } from '@premonitor/time';
import { createBaselineApi } from './baseline/baseline-api.js';

/** Everything inference needs to know, whichever mode wires it. */
export interface InferenceSettings {
  readonly kind: FrameKind;
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  /** onnxruntime intra-op threads (1–2). */
  readonly ortThreads: number;
  /**
   * Worker threads running the model, each with its own session (default 1). 0 runs it on
   * the event loop, which then stalls for every batch (onnxruntime-node runs synchronously).
   */
  readonly ortWorkers?: number;
  /** Batches in flight (default `ortWorkers + 1`): one scoring per worker while another is stored. */
  readonly pipelineDepth?: number;
  readonly maxAckPending: number;
  readonly maxUploadBytes: number;
  /** Rate, duration, channel and thermal-size bounds on uploads (default {@link DEFAULT_UPLOAD_LIMITS}). */
  readonly uploadLimits?: UploadLimits;
  /** Uploads handled at once; more get 429 (default 4). */
  readonly uploadConcurrency?: number;
  /** The shipped model file of this kind: the last resort when production and every earlier version are unusable. */
  readonly shippedModelFile?: string;
  readonly deadLetterMaxBytes: number;
  /** Unique per replica: names its promotion consumer. */
  readonly instanceId: string;
  /** First nak delay of a failed frame, ms (default 1,000; doubling to 30 s while failures last). */
  readonly retryDelayMs?: number;
  /** Longest `stop()` waits for in-flight frames, ms (default 10,000); the rest is redelivered later. */
  readonly drainTimeoutMs?: number;
  /** Durable name of the frames consumer, shared by the replicas of a kind (default `inference-{kind}`). */
  readonly consumerName?: string;
  /** Where a new frames consumer starts: every stored frame (default) or only new ones. */
  readonly deliverPolicy?: 'all' | 'new';
  /** True when another kind's inference shares the HTTP server (embedded mode): see `ScoreApiOptions.sharedUploadPath`. */
  readonly sharedUploadPath?: boolean;
  /** Per-device baseline enrollment (default: on, commissioning gate, samples ≥ 30 s apart). */
  readonly baselines?: BaselineSettings;
  /** The bounded store of recent frames per device (default {@link DEFAULT_RECENT_FRAME_SETTINGS}). */
  readonly recentFrames?: RecentFrameSettings;
}

/** Enrollment defaults: the fleet model's threshold, and samples spread over minutes of operation. */
export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = { enabled: true, policy: { gate: 'commissioning', maxFleetScore: 0.5, minIntervalMs: 30_000 } };

export interface InferenceDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  /** Prometheus registry for `/metrics`. */
  readonly registry: Registry;
  /** The model registry (`ModelRegistry`), or anything that can load the production model. */
  readonly models: ProductionModelSource;
  /** Replaces the ONNX loader (tests). */
  readonly loadModel?: ModelLoader;
  readonly clock?: Clock;
}

/**
 * Inference as one unit: a durable consumer of `pm.frames.{kind}.>` scoring with the
 * registry's production model, the hot swap on promotion, and the upload endpoint. Frames
 * are consumed only once a model is in service; until then they wait in the stream and
 * `/readyz` reports `model: false`.
 */
export class Inference {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly #settings: InferenceSettings;
  readonly #deps: InferenceDependencies;
  readonly #slot: ModelSlot;
  readonly #service: FrameScoringService;
  readonly #watcher: ModelWatcher;
  readonly #metrics: InferenceMetrics;
  readonly #pool: OnnxWorkerPool | undefined;
  readonly #baselines: DeviceBaselines;
  readonly #framesPolicy: ConsumerPolicy;
  #frames: Subscription | undefined;
  #consuming: Promise<void> | undefined;
  #stopped = false;

  constructor(settings: InferenceSettings, deps: InferenceDependencies) {
    this.#settings = settings;
    this.#deps = deps;
    const { kind } = settings;
    this.#metrics = createInferenceMetrics(deps.registry);
    this.#slot = new ModelSlot((err, model) => deps.logger.warn({ err, version: model.version }, 'could not release a retired model session'));
    const baselineStore = new KyselyBaselineStore(deps.db.db);
    const deadLetters = databaseDeadLetters(deps.db.db, { maxPayloadBytes: settings.deadLetterMaxBytes });
    const framesDurable = settings.consumerName ?? `inference-${kind}`;
    this.#framesPolicy = new ConsumerPolicy({
      consumer: framesDurable,
      deadLetters,
      logger: deps.logger,
      backoff: { baseMs: settings.retryDelayMs ?? 1_000, maxMs: 30_000 },
      onDeadLetter: () => this.#metrics.rejected.inc({ kind, reason: 'gave_up' }),
    });
    this.#baselines = new DeviceBaselines({
      kind,
      settings: settings.baselines ?? DEFAULT_BASELINE_SETTINGS,
      store: baselineStore,
      bus: deps.bus,
      logger: deps.logger,
      metrics: this.#metrics,
      durable: `inference-${kind}-baselines-${settings.instanceId}`,
      deadLetters,
      clock: deps.clock,
    });
    this.#service = new FrameScoringService({
      kind,
      slot: this.#slot,
      baselines: this.#baselines,
      recentFrames: new RecentFrames(deps.db.db, kind, settings.recentFrames ?? DEFAULT_RECENT_FRAME_SETTINGS, { kept: this.#metrics.framesKept, evicted: this.#metrics.framesEvicted }, deps.clock ?? systemClock),
      store: new KyselyScoreStore(deps.db.db, { deadLetterMaxBytes: settings.deadLetterMaxBytes }),
      bus: deps.bus,
      policy: this.#framesPolicy,
      consumer: framesDurable,
      metrics: this.#metrics,
      logger: deps.logger,
      batchSize: settings.batchSize,
      batchMaxWaitMs: settings.batchMaxWaitMs,
      pipelineDepth: settings.pipelineDepth ?? (settings.ortWorkers ?? 1) + 1,
      clock: deps.clock,
    });
    const workers = settings.ortWorkers ?? 1;
    const pool = workers > 0 ? new OnnxWorkerPool(workers) : undefined;
    this.#pool = pool;
    const open: ModelLoader =
      deps.loadModel ??
      ((bytes, sha256) =>
        pool
          ? WorkerScoringModel.load(pool, bytes, kind, sha256, { intraOpThreads: settings.ortThreads })
          : OnnxScoringModel.load(bytes, kind, sha256, { intraOpThreads: settings.ortThreads }));
    // The model's baselines are loaded before it goes into service, so a swap scores enrolled devices against theirs from its first batch.
    const load: ModelLoader = async (bytes, sha256) => {
      const model = await open(bytes, sha256).catch((cause: unknown) => {
        // Whatever stops the bytes from becoming a session is the model's fault, so the watcher falls back rather than retrying.
        throw cause instanceof ModelContractError ? cause : new ModelLoadError(`onnxruntime cannot load model ${sha256.slice(0, 12)}: ${(cause as Error).message}`, { cause });
      });
      try {
        await this.#baselines.prepare(model);
      } catch (err) {
        await model.release();
        throw err;
      }
      return model;
    };
    const shippedFile = settings.shippedModelFile;
    this.#watcher = new ModelWatcher({
      kind,
      source: deps.models,
      load,
      slot: this.#slot,
      bus: deps.bus,
      logger: deps.logger,
      durable: `inference-${kind}-models-${settings.instanceId}`,
      clock: deps.clock,
      shipped: shippedFile ? () => readShipped(shippedFile, deps.logger) : undefined,
      deadLetters,
      onInstalled: (model) => {
        this.#metrics.modelInfo.reset();
        this.#metrics.modelInfo.set({ kind, version: model.version }, 1);
        void this.#startConsuming();
      },
      onStatus: (status) => this.#metrics.modelFallback.set({ kind }, status.fallback ? 1 : 0),
      onRefused: (err) => this.#metrics.modelRefused.inc({ kind, reason: modelFaultCategory(err) }),
    });
    this.router = createScoreApi({
      kind,
      slot: this.#slot,
      metrics: this.#metrics,
      maxUploadBytes: settings.maxUploadBytes,
      limits: settings.uploadLimits ?? DEFAULT_UPLOAD_LIMITS,
      // Decoding and resampling go to the onnxruntime threads; without them (ORT_WORKERS=0) everything runs here.
      decode: pool ? (bytes, target, limits) => pool.decodeUpload(bytes, target, limits) : async (bytes, target, limits) => decodeUpload(bytes, target, limits),
      concurrency: settings.uploadConcurrency ?? 4,
      clock: deps.clock,
      baselines: this.#baselines,
      sharedUploadPath: settings.sharedUploadPath,
    });
    this.router.use(createBaselineApi({ kind, slot: this.#slot, store: baselineStore, baselines: this.#baselines }));
    this.router.use(createModelStatusApi(kind, () => this.#watcher.status()));
    this.readiness = [
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
      { name: 'model', check: () => this.#slot.current !== undefined },
    ];
  }

  /** Version of the model in service, if any. */
  get modelVersion(): string | undefined {
    return this.#slot.current?.version;
  }

  /** The model in service and the production one; `fallback` while production was refused. */
  modelStatus(): ModelStatus {
    return this.#watcher.status();
  }

  get stats(): Readonly<FrameScoringStats> {
    return this.#service.stats;
  }

  /** Frames received and not yet scored. */
  backlog(): number {
    return this.#service.backlog();
  }

  /**
   * Starts watching promotions and loads the production model; frame consumption starts
   * as soon as a model is in service (now, or at the first promotion).
   */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#baselines.start();
    await this.#watcher.start();
    await this.#consuming;
  }

  /**
   * Drains: stops taking frames, scores and acknowledges what was taken, then releases the
   * model — the drain within `drainTimeoutMs` whatever is stuck (database or bus down):
   * frames not acknowledged by then are redelivered by the bus after their ack wait.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const timeoutMs = this.#settings.drainTimeoutMs ?? 10_000;
    const drained = await settleWithin(
      (async () => {
        await this.#consuming;
        await this.#frames?.stop();
        await this.#service.drain();
      })(),
      timeoutMs,
    );
    if (!drained) this.#deps.logger.warn({ kind: this.#settings.kind, backlog: this.#service.backlog(), timeoutMs }, 'inference drain timed out; unacknowledged frames stay with the bus');
    this.#frames = undefined;
    this.#consuming = undefined;
    this.#service.stop();
    // A model load or a baseline write stuck on the database must not hold the stop either.
    if (!(await settleWithin(Promise.all([this.#watcher.stop(), this.#baselines.stop()]), timeoutMs))) {
      this.#deps.logger.warn({ kind: this.#settings.kind, timeoutMs }, 'model watcher or baseline writes still busy at stop; abandoned');
    }
    this.#slot.clear();
    // Nothing runs any more (the drain is over, or was given up on), so the threads can go.
    if (this.#pool) await settleWithin(this.#pool.close(), timeoutMs);
  }

  #startConsuming(): Promise<void> {
    if (this.#consuming || this.#stopped) return this.#consuming ?? Promise.resolve();
    const { kind } = this.#settings;
    this.#consuming = this.#deps.bus
      .consume(
        this.#framesPolicy.spec({
          stream: busSubjects.frames.stream,
          // Shared by the replicas of one kind, so they split the frames.
          durable: this.#settings.consumerName ?? `inference-${kind}`,
          filterSubject: busSubjects.frames.ofKind(kind),
          maxAckPending: this.#settings.maxAckPending,
          deliverPolicy: this.#settings.deliverPolicy ?? 'all',
        }),
        this.#framesPolicy.guard((message) => this.#service.handle(message)),
      )
      .then((subscription) => {
        this.#frames = subscription;
        this.#deps.logger.info({ kind }, 'consuming frames');
      });
    return this.#consuming;
  }
}

/** The shipped model file's bytes and address, or undefined (logged) when it cannot be read. */
async function readShipped(path: string, logger: Logger): Promise<{ bytes: Uint8Array; sha256: string } | undefined> {
  try {
    const bytes = new Uint8Array(await readFile(path));
    return { bytes, sha256: sha256Hex(bytes) };
  } catch (err) {
    logger.warn({ path, err: (err as Error).message }, 'the shipped model file cannot be read; no last-resort fallback');
    return undefined;
  }
}
