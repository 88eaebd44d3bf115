import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { Frame, FrameKind } from '@premonitor/contracts';
import type { BaselineSpec, ThermalInput } from '@premonitor/ml';
import { frameRows, readScoringMetadata, runScoringSession, scoreFrames, scoringInputName, scoringSessionOptions, verifyScoringModel, type FrameScore, type FrameScorer, type ScoringMetadata } from '@premonitor/ml/scoring';
import { ModelContractError } from './model-errors.js';

/** One frame's local outcome: the core's {@link FrameScore} (score, reference, and for models with a baseline the fleet score and one embedding per model row). */
export type LocalScore = FrameScore;

/**
 * One ONNX anomaly model on the device. A frame becomes model input and the outputs become
 * its score through `@premonitor/ml/scoring` (`frameRows`, `scoreFrames`) — the same code as
 * the core's inference service, so the device accepts every frame the core accepts (clips of
 * any length and rate, thermal frames of any size) and scores it identically. One intra-op
 * thread: the Pi's other cores run the sources.
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
  /** Thermal: `celsius`, `relative` or `levels` input (`thermal_input` metadata); undefined for acoustic models. */
  readonly thermalInput: ThermalInput | undefined;
  readonly #session: ort.InferenceSession;
  /** Packed rows → outputs in this session: what the reference batch and {@link run} feed. */
  readonly #runner: FrameScorer;

  private constructor(session: ort.InferenceSession, meta: ScoringMetadata, sha256: string) {
    this.#session = session;
    const contract = { inputName: scoringInputName(meta.kind), version: meta.version, frameShape: meta.frameShape, baseline: meta.baseline };
    this.#runner = { frameShape: meta.frameShape, baseline: meta.baseline, run: (input, rows, baselines) => runScoringSession(session, contract, input, rows, baselines) };
    this.kind = meta.kind;
    this.version = meta.version;
    this.sha256 = sha256;
    this.frameShape = Object.freeze([...meta.frameShape]);
    this.sampleRate = meta.sampleRate;
    this.threshold = meta.threshold ?? 0.5;
    this.baseline = meta.baseline;
    this.thermalInput = meta.kind === 'thermal' ? (meta.thermalInput ?? 'celsius') : undefined;
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
    const model = new LocalModel(session, meta, sha256);
    try {
      await verifyScoringModel(meta, { inputs: session.inputMetadata, outputs: session.outputMetadata }, model.#runner);
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

  /**
   * Scores one frame, against `baseline` (the device's, fitted for this model) when given.
   * Throws `FrameAdaptError` for a frame this model cannot take (another kind, no samples).
   */
  async run(frame: Frame, baseline?: Float32Array): Promise<LocalScore> {
    const [result] = await scoreFrames(this.#runner, [frameRows(frame, this)], [baseline]);
    return result!;
  }

  /** Frees the session (after a swap, once no scoring uses it). */
  release(): Promise<void> {
    return this.#session.release();
  }
}
