import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { Frame, FrameKind } from '@premonitor/contracts';
import { packBaselineFeed, type BaselineFeed, type BaselineSpec } from '@premonitor/ml';
import { resample } from '@premonitor/ml/data';
import { readScoringMetadata, runScoringSession, scoringInputName, scoringSessionOptions, verifyScoringModel, type ScoringOutputs } from '@premonitor/ml/scoring';
import { FrameShapeError, ModelContractError } from './model-errors.js';

/** One frame's local outcome. */
export interface LocalScore {
  /** Against the device's baseline when one was given, else against the fleet. */
  readonly score: number;
  readonly reference: 'device' | 'fleet';
  /** Models with a baseline: the fleet score and the frame's embedding (what enrollment takes). */
  readonly fleetScore?: number;
  readonly embedding?: Float32Array;
}

/**
 * One ONNX anomaly model on the device, following the same I/O contract as the core's
 * inference service (models/README.md): `pcm` [N, S] = int16 / 32768 or `frame` [N, H, W] °C
 * in; `score` [N] in [0, 1] out. One intra-op thread: the Pi's other cores run the sources.
 */
export class LocalModel {
  readonly kind: FrameKind;
  readonly version: string;
  readonly sha256: string;
  readonly frameShape: readonly number[];
  readonly sampleRate: number | undefined;
  /** The model's decision threshold on the score (0.5 for the shipped ones). */
  readonly threshold: number;
  /** How the model compares a frame with the device's own baseline; undefined for a fleet-only model. */
  readonly baseline: BaselineSpec | undefined;
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession, kind: FrameKind, version: string, sha256: string, frameShape: readonly number[], sampleRate: number | undefined, threshold: number, baseline: BaselineSpec | undefined) {
    this.#session = session;
    this.kind = kind;
    this.version = version;
    this.sha256 = sha256;
    this.frameShape = frameShape;
    this.sampleRate = sampleRate;
    this.threshold = threshold;
    this.baseline = baseline;
  }

  /**
   * Checks the model against its kind's contract — metadata, I/O, and the reference batch
   * scored in this session (`@premonitor/ml/scoring`, the same check the core runs) — and opens
   * a session; throws {@link ModelContractError} for a wrong or corrupt file.
   */
  static async load(bytes: Uint8Array, kind: FrameKind): Promise<LocalModel> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const meta = readScoringMetadata(bytes, kind);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, scoringSessionOptions({ intraOpThreads: 1 }));
    } catch (cause) {
      throw new ModelContractError(`model ${meta.version} could not be loaded by onnxruntime: ${(cause as Error).message}`, { cause });
    }
    const model = new LocalModel(session, kind, meta.version, sha256, Object.freeze([...meta.frameShape]), meta.sampleRate, meta.threshold ?? 0.5, meta.baseline);
    try {
      await verifyScoringModel(meta, { inputs: session.inputMetadata, outputs: session.outputMetadata }, { run: (input, rows, feed) => model.#runRows(input, rows, feed) });
    } catch (err) {
      await session.release();
      throw err;
    }
    return model;
  }

  /** The anomaly score of one frame of this model's kind, against the fleet. */
  async score(frame: Frame): Promise<number> {
    return (await this.run(frame)).score;
  }

  /** Scores one frame, against `baseline` (the device's, fitted for this model) when given. */
  async run(frame: Frame, baseline?: Float32Array): Promise<LocalScore> {
    const spec = this.baseline;
    const out = await this.#runRows(this.#input(frame), 1, spec && baseline ? packBaselineFeed(spec, [baseline]) : undefined);
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const reference = spec && baseline ? 'device' : 'fleet';
    if (!out.fleetScore || !out.embedding) return { score: clamp(out.score[0]!), reference };
    return { score: clamp(out.score[0]!), reference, fleetScore: clamp(out.fleetScore[0]!), embedding: Float32Array.from(out.embedding) };
  }

  #runRows(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ScoringOutputs> {
    return runScoringSession(this.#session, { inputName: scoringInputName(this.kind), version: this.version, frameShape: this.frameShape, baseline: this.baseline }, input, rows, baselines);
  }

  /** Frees the session (after a swap, once no scoring uses it). */
  release(): Promise<void> {
    return this.#session.release();
  }

  #input(frame: Frame): Float32Array {
    if (frame.kind !== this.kind) throw new FrameShapeError(`a ${frame.kind} frame cannot be scored by the ${this.kind} model`);
    if (frame.kind === 'thermal') {
      const [h, w] = this.frameShape as [number, number];
      if (frame.width !== w || frame.height !== h) throw new FrameShapeError(`thermal frame is ${frame.width}×${frame.height}; model ${this.version} takes ${w}×${h}`);
      return frame.celsius;
    }
    let pcm: Float32Array = Float32Array.from(frame.samples, (v) => v / 32_768);
    if (this.sampleRate && frame.sampleRate !== this.sampleRate) pcm = resample(pcm, frame.sampleRate, this.sampleRate);
    const n = this.frameShape[0]!;
    if (pcm.length === n) return pcm;
    // Within 1 % (resampling rounding) pad or trim; anything further off is another clip length.
    if (Math.abs(pcm.length - n) > n / 100) throw new FrameShapeError(`acoustic clip has ${pcm.length} samples at ${this.sampleRate} Hz; model ${this.version} takes ${n}`);
    const fitted = new Float32Array(n);
    fitted.set(pcm.subarray(0, n));
    return fitted;
  }
}
