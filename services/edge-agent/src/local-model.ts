import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { Frame, FrameKind } from '@premonitor/contracts';
import { BaselineError, baselineShape, checkBaselineSpec, packBaselineFeed, readModelMetadata, type BaselineSpec } from '@premonitor/ml';
import { resample } from '@premonitor/ml/data';
import { FrameShapeError, ModelContractError } from './model-errors.js';

const INPUT_NAME: Record<FrameKind, string> = { acoustic: 'pcm', thermal: 'frame' };

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

  /** Checks the contract and opens a session; throws {@link ModelContractError} for a wrong or corrupt file. */
  static async load(bytes: Uint8Array, kind: FrameKind): Promise<LocalModel> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let meta;
    try {
      meta = readModelMetadata(bytes);
    } catch (cause) {
      throw new ModelContractError(`model ${sha256.slice(0, 12)} is not a readable ONNX model with metadata: ${(cause as Error).message}`, { cause });
    }
    if (meta.kind !== kind) throw new ModelContractError(`model ${meta.version} is a '${meta.kind}' model, expected '${kind}'`);
    const shape = meta.frameShape ?? [];
    if (shape.length !== (kind === 'acoustic' ? 1 : 2) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ModelContractError(`model ${meta.version}: metadata frame_shape ${JSON.stringify(meta.frameShape)} does not fit a ${kind} model`);
    }
    let baseline: BaselineSpec | undefined;
    try {
      baseline = meta.baseline === undefined ? undefined : checkBaselineSpec(meta.baseline);
    } catch (err) {
      if (err instanceof BaselineError) throw new ModelContractError(`model ${meta.version}: metadata ${err.message}`, { cause: err });
      throw err;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    } catch (cause) {
      throw new ModelContractError(`model ${meta.version} could not be loaded by onnxruntime: ${(cause as Error).message}`, { cause });
    }
    const inputs = [INPUT_NAME[kind], ...(baseline ? ['baseline', 'enrolled'] : [])];
    const outputs = ['score', ...(baseline ? ['fleet_score', 'embedding'] : [])];
    const missing = [...inputs.filter((i) => !session.inputNames.includes(i)), ...outputs.filter((o) => !session.outputNames.includes(o))];
    if (missing.length > 0) {
      await session.release();
      throw new ModelContractError(`model ${meta.version} lacks ${missing.map((m) => `'${m}'`).join(', ')} of the inference I/O contract`);
    }
    return new LocalModel(session, kind, meta.version, sha256, Object.freeze([...shape]), meta.sampleRate, meta.threshold ?? 0.5, baseline);
  }

  /** The anomaly score of one frame of this model's kind, against the fleet. */
  async score(frame: Frame): Promise<number> {
    return (await this.run(frame)).score;
  }

  /** Scores one frame, against `baseline` (the device's, fitted for this model) when given. */
  async run(frame: Frame, baseline?: Float32Array): Promise<LocalScore> {
    const input = this.#input(frame);
    const feeds: Record<string, ort.Tensor> = { [INPUT_NAME[this.kind]]: new ort.Tensor('float32', input, [1, ...this.frameShape]) };
    const spec = this.baseline;
    if (spec) {
      const feed = packBaselineFeed(spec, [baseline]);
      feeds['baseline'] = new ort.Tensor('float32', feed.baseline, [1, ...baselineShape(spec)]);
      feeds['enrolled'] = new ort.Tensor('float32', feed.enrolled, [1]);
    }
    const out = await this.#session.run(feeds);
    const score = out['score']?.data;
    if (!(score instanceof Float32Array) || score.length !== 1) throw new ModelContractError(`model ${this.version} returned no float32 score`);
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const reference = spec && baseline ? 'device' : 'fleet';
    if (!spec) return { score: clamp(score[0]!), reference };
    const fleet = out['fleet_score']?.data;
    const embedding = out['embedding']?.data;
    if (!(fleet instanceof Float32Array) || !(embedding instanceof Float32Array) || embedding.length !== spec.embedding) {
      throw new ModelContractError(`model ${this.version} returned no float32 fleet_score and embedding [1, ${spec.embedding}]`);
    }
    return { score: clamp(score[0]!), reference, fleetScore: clamp(fleet[0]!), embedding: Float32Array.from(embedding) };
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
