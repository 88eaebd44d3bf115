import * as ort from 'onnxruntime-node';
import { readModelMetadata } from '../onnx/model-metadata.js';
import { ModelContractError } from './scoring-errors.js';
import { scoringSessionOptions, type ScoringSessionSettings } from './scoring-session.js';

/** The alarm threshold of {@link VibrationVerdict.score}: where unbalance reaches its threshold or the fault classes win. */
export const VIBRATION_SCORE_THRESHOLD = 0.5;

/** What the vibration model says about one window. */
export interface VibrationVerdict {
  /** The most probable class. */
  readonly predicted: string;
  readonly probabilities: Readonly<Record<string, number>>;
  /** Distance to the nearest healthy condition ÷ its calibrated threshold (≥ 1: unbalanced). */
  readonly unbalanceRatio: number;
  /** Summed probability of the fault classes. */
  readonly faultProbability: number;
  /** max(u/(1+u), faultProbability): {@link VIBRATION_SCORE_THRESHOLD} is the alarm threshold of both. */
  readonly score: number;
}

/** The window a vibration model reads (its metadata), in the shape `vibrationModelInput` checks against. */
export interface VibrationModelShape {
  readonly channels: readonly string[];
  readonly steps: number;
  readonly sampleRateHz: number;
}

export interface VibrationScorerOptions extends ScoringSessionSettings {
  /** Classes that are faults (e.g. the weighted fan); each must be one of the model's classes. */
  readonly faultClasses: readonly string[];
}

/**
 * A loaded vibration model (`models/vibration.onnx`: window `[N, steps, channels]` in g →
 * `probs`, `unbalance_score`) and the one rule turning its outputs into a score, shared by the
 * core's scorer and the edge agent so both alarm on the same windows.
 */
export class VibrationScorer {
  readonly version: string;
  readonly classes: readonly string[];
  readonly shape: VibrationModelShape;
  readonly #session: ort.InferenceSession;
  readonly #fault: readonly boolean[];

  private constructor(session: ort.InferenceSession, version: string, classes: readonly string[], shape: VibrationModelShape, faultClasses: readonly string[]) {
    this.#session = session;
    this.version = version;
    this.classes = classes;
    this.shape = shape;
    this.#fault = classes.map((c) => faultClasses.includes(c));
  }

  /** Loads a model; refuses one that is not a vibration window model or does not know a fault class. */
  static async load(bytes: Uint8Array, options: VibrationScorerOptions): Promise<VibrationScorer> {
    const meta = readModelMetadata(bytes);
    const { classes, window, sampleRate } = meta;
    if (meta.kind !== 'vibration' || !classes || !window || sampleRate === undefined) {
      throw new ModelContractError(`model ${meta.version} is not a vibration window model (kind ${meta.kind}; it needs classes, a window contract and a sample rate in its metadata)`);
    }
    const unknown = options.faultClasses.filter((c) => !classes.includes(c));
    if (unknown.length > 0) throw new ModelContractError(`fault class(es) ${unknown.join(', ')} not among model ${meta.version}'s classes (${classes.join(', ')})`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, scoringSessionOptions(options));
    } catch (cause) {
      throw new ModelContractError(`model ${meta.version} could not be loaded by onnxruntime: ${(cause as Error).message}`, { cause });
    }
    return new VibrationScorer(session, meta.version, classes, { channels: window.channels, steps: window.steps, sampleRateHz: sampleRate }, options.faultClasses);
  }

  /** Scores `rows` windows packed row-major as `[rows, steps, channels]` (see `vibrationModelInput`). */
  async score(input: Float32Array, rows: number): Promise<VibrationVerdict[]> {
    const { steps, channels } = this.shape;
    const out = await this.#session.run({ window: new ort.Tensor('float32', input, [rows, steps, channels.length]) });
    const probs = out['probs']?.data;
    const ratios = out['unbalance_score']?.data;
    const k = this.classes.length;
    if (!(probs instanceof Float32Array) || !(ratios instanceof Float32Array) || probs.length !== rows * k || ratios.length !== rows) {
      throw new ModelContractError(`model ${this.version} returned no float32 probs [${rows}, ${k}] and unbalance_score [${rows}]`);
    }
    return Array.from({ length: rows }, (_, r) => {
      const p = probs.subarray(r * k, (r + 1) * k);
      let best = 0;
      let faultProbability = 0;
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        const value = Math.min(1, Math.max(0, p[c]!));
        probabilities[this.classes[c]!] = value;
        if (p[c]! > p[best]!) best = c;
        if (this.#fault[c]) faultProbability += value;
      }
      faultProbability = Math.min(1, faultProbability);
      // A huge distance (a window far from anything seen) must stay finite on the wire.
      const unbalanceRatio = Number.isFinite(ratios[r]!) ? Math.max(0, ratios[r]!) : Number.MAX_SAFE_INTEGER;
      return { predicted: this.classes[best]!, probabilities, unbalanceRatio, faultProbability, score: Math.max(unbalanceRatio / (1 + unbalanceRatio), faultProbability) };
    });
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
