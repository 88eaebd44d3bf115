import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { DEFAULT_MAX_GAP_STEPS, TelemetryWindowFeed, type TelemetryWindow, type WindowScore } from '@premonitor/ml';
import { TelemetryModelScorer } from '@premonitor/ml/scoring';
import type { Logger } from '@premonitor/log';
import { ModelFiles } from './model-files.js';

/** Options of {@link DeviceTelemetryModel}. */
export interface DeviceTelemetryModelOptions {
  /** The agent's `models/` folder: `telemetry.onnx` and `telemetry.previous.onnx`. */
  readonly dir: string;
  /** Empty steps filled with the last value (telemetry-scoring's `TELEMETRY_MAX_GAP_STEPS`). Default 5. */
  readonly maxGapSteps?: number;
  readonly logger: Logger;
}

/** One window's local score. */
export interface DeviceTelemetryScore {
  readonly ts: number;
  readonly score: WindowScore;
}

interface Running {
  readonly scorer: TelemetryModelScorer;
  readonly feed: TelemetryWindowFeed;
  readonly sha256: string;
}

/**
 * This device's own telemetry model on the agent: the graph telemetry-scoring fitted on the
 * device's history (PCA T²+Q or conv autoencoder), delivered by model sync and kept on disk, so
 * the agent scores its telemetry after a reboot without the core. Readings become windows of the
 * model's contract through the service's resampler (`TelemetryWindowFeed`) and the graph's ratio
 * becomes the service's score (`windowScore`): the same score, so fusion's `telemetry-anomaly`
 * rule applies unchanged on the edge.
 */
export class DeviceTelemetryModel {
  readonly #o: DeviceTelemetryModelOptions;
  readonly #files: ModelFiles;
  #running: Running | undefined;
  /** Scoring runs one message at a time, so windows keep their order across a swap. */
  #work: Promise<unknown> = Promise.resolve();

  constructor(options: DeviceTelemetryModelOptions) {
    this.#o = options;
    this.#files = new ModelFiles(options.dir, 'telemetry');
  }

  /** Loads the model kept on disk, if any (none until the core has fitted and sent one). */
  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    this.#running = await this.#files.load((bytes) => this.#open(bytes), this.#o.logger);
  }

  get version(): string | undefined {
    return this.#running?.scorer.version;
  }

  get sha256(): string | undefined {
    return this.#running?.sha256;
  }

  /** Checks and opens `bytes` first (a model that does not load never replaces a working one), then keeps it on disk and scores with it. */
  async install(bytes: Uint8Array): Promise<{ readonly version: string }> {
    const next = await this.#open(bytes);
    await this.#files.replace(bytes);
    const old = this.#running;
    this.#work = this.#work.then(async () => {
      this.#running = next;
      await old?.scorer.release().catch(() => {});
    });
    await this.#work;
    this.#o.logger.info({ version: next.scorer.version, previous: old?.scorer.version ?? null, sensors: next.scorer.window.channels }, 'device telemetry model installed');
    return { version: next.scorer.version };
  }

  /**
   * Stops scoring and deletes the model from disk (the core withdrew it: the device was reset and
   * enrolls again). Resolves to the version removed, undefined when there was none.
   */
  async remove(reason: string): Promise<string | undefined> {
    const old = this.#running;
    this.#work = this.#work.then(async () => {
      this.#running = undefined;
      await old?.scorer.release().catch(() => {});
    });
    await this.#work;
    await this.#files.remove();
    if (old) this.#o.logger.warn({ version: old.scorer.version, reason }, 'device telemetry model withdrawn by the core: no local telemetry scoring until a new model arrives');
    return old?.scorer.version;
  }

  /** One telemetry message; resolves to the scores of the windows it completed (none without a model). */
  observe(ts: number, seq: number, readings: Readonly<Record<string, number>>): Promise<DeviceTelemetryScore[]> {
    const run = this.#work.then(() => this.#score(this.#running, ts, seq, readings));
    this.#work = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    await this.#work.catch(() => undefined);
    await this.#running?.scorer.release().catch(() => {});
    this.#running = undefined;
  }

  async #score(running: Running | undefined, ts: number, seq: number, readings: Readonly<Record<string, number>>): Promise<DeviceTelemetryScore[]> {
    if (!running) return [];
    const windows: TelemetryWindow[] = running.feed.push(ts, seq, readings);
    if (windows.length === 0) return [];
    const scores = await running.scorer.scores(windows.map((w) => w.values));
    return windows.map((w, i) => ({ ts: w.ts, score: scores[i]! }));
  }

  async #open(bytes: Uint8Array): Promise<Running> {
    const scorer = await TelemetryModelScorer.load(bytes, { intraOpThreads: 1 });
    return { scorer, feed: new TelemetryWindowFeed(scorer.window, this.#o.maxGapSteps ?? DEFAULT_MAX_GAP_STEPS), sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}
