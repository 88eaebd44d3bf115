import * as ort from 'onnxruntime-node';
import { readModelMetadata, type WindowContract } from '../onnx/model-metadata.js';
import { windowScore, type WindowScore } from '../telemetry/window-score.js';
import { ModelContractError } from './scoring-errors.js';
import { scoringSessionOptions, type ScoringSessionSettings } from './scoring-session.js';

/** The window contract of a telemetry model: every field the code feeding it needs, the run rule included. */
export type TelemetryWindowContract = WindowContract & { readonly run: number };

/**
 * A loaded telemetry anomaly graph (`buildTelemetryModel`: a device's own model from
 * telemetry-scoring, or the shipped `telemetry.onnx`): raw readings `window [N, steps, channels]`
 * → `score [N]` = window error ÷ threshold. Scaler, layers and threshold are in the graph and the
 * window contract (channels, steps, step, run) in its metadata, so this and a
 * `TelemetryWindowFeed` are all a device needs to score as the core does.
 */
export class TelemetryModelScorer {
  readonly version: string;
  readonly window: TelemetryWindowContract;
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession, version: string, window: TelemetryWindowContract) {
    this.#session = session;
    this.version = version;
    this.window = window;
  }

  /**
   * Loads a model and checks it is a telemetry window model that scores a window of its own
   * contract (a window of zeros gives one finite, non-negative ratio); throws
   * {@link ModelContractError} otherwise.
   */
  static async load(bytes: Uint8Array, settings: ScoringSessionSettings): Promise<TelemetryModelScorer> {
    let meta;
    try {
      meta = readModelMetadata(bytes);
    } catch (cause) {
      throw new ModelContractError(`not a Premonitor model: ${(cause as Error).message}`, { cause });
    }
    const w = meta.window;
    if (meta.kind !== 'telemetry' || !w || !(Number.isInteger(w.run) && w.run! >= 1) || !(w.stepSeconds > 0) || !(Number.isInteger(w.steps) && w.steps >= 1) || w.channels.length === 0) {
      throw new ModelContractError(`model ${meta.version} is not a telemetry window model (kind ${meta.kind}; it needs a window contract with channels, steps, stepSeconds and run in its metadata)`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, scoringSessionOptions(settings));
    } catch (cause) {
      throw new ModelContractError(`model ${meta.version} could not be loaded by onnxruntime: ${(cause as Error).message}`, { cause });
    }
    const scorer = new TelemetryModelScorer(session, meta.version, { ...w, run: w.run! });
    try {
      const [probe] = await scorer.ratios(new Float32Array(w.steps * w.channels.length), 1);
      if (!(probe !== undefined && Number.isFinite(probe) && probe >= 0)) throw new ModelContractError(`model ${meta.version} scores a window of zeros ${probe}; a ratio must be finite and non-negative`);
    } catch (err) {
      await session.release();
      throw err instanceof ModelContractError ? err : new ModelContractError(`model ${meta.version} does not run on a window of its contract: ${(err as Error).message}`, { cause: err });
    }
    return scorer;
  }

  /** Error ÷ threshold of `rows` windows packed row-major `[rows, steps, channels]` (≥ 1: an abnormal window). */
  async ratios(windows: Float32Array, rows: number): Promise<Float32Array> {
    const { steps, channels } = this.window;
    const out = await this.#session.run({ window: new ort.Tensor('float32', windows, [rows, steps, channels.length]) });
    const score = out['score']?.data;
    if (!(score instanceof Float32Array) || score.length !== rows) throw new ModelContractError(`model ${this.version} returned no float32 score [${rows}]`);
    return score;
  }

  /**
   * The scores of windows of raw readings (each `[steps, channels]`, as `TelemetryWindowFeed`
   * or `WindowRing` hand them out), in one onnxruntime run: the graph's ratio mapped as
   * telemetry-scoring maps its window errors (`windowScore` with threshold 1, the graph having
   * divided by its own). The edge agent and telemetry-scoring both score through here.
   */
  async scores(windows: readonly Float32Array[]): Promise<WindowScore[]> {
    if (windows.length === 0) return [];
    const size = this.window.steps * this.window.channels.length;
    const packed = windows.length === 1 ? windows[0]! : new Float32Array(windows.length * size);
    if (windows.length > 1) windows.forEach((w, i) => packed.set(w, i * size));
    if (packed.length !== windows.length * size) throw new ModelContractError(`model ${this.version} scores windows of ${size} values; got ${windows.map((w) => w.length).join(', ')}`);
    const ratios = await this.ratios(packed, windows.length);
    return Array.from(ratios, (r) => windowScore(r, 1));
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.#session.release();
  }
}
