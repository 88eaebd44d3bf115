import * as ort from 'onnxruntime-node';
import type { FrameKind } from '@premonitor/contracts';
import type { BaselineFeed, BaselineSpec, ThermalInput } from '@premonitor/ml';
import { readScoringMetadata, runScoringSession, scoringInputName, scoringSessionOptions, verifyScoringModel, type ScoringMetadata, type ScoringSessionSettings } from '@premonitor/ml/scoring';
import type { ModelOutputs, ScoringModel } from './scoring-model.js';

/** How the ONNX sessions run. */
export type OnnxSessionSettings = ScoringSessionSettings;

/**
 * A `ScoringModel` backed by an onnxruntime-node session. `load` checks the model against
 * its kind's contract (`@premonitor/ml/scoring`: metadata, I/O names, types and shapes, and
 * the reference batch scored in this session), so a wrong file fails when it is loaded, with a
 * message naming what is wrong, not on the first frame.
 *
 * `run` executes on the calling thread: onnxruntime-node's `session.run` only defers the
 * native call with `setImmediate`, then blocks the event loop for the whole run. Fine for
 * benches and `ORT_WORKERS=0`; the service uses {@link WorkerScoringModel} by default.
 */
export class OnnxScoringModel implements ScoringModel {
  readonly kind: FrameKind;
  readonly version: string;
  readonly sha256: string;
  readonly frameShape: readonly number[];
  readonly sampleRate: number | undefined;
  readonly threshold: number | undefined;
  readonly baseline: BaselineSpec | undefined;
  readonly thermalInput: ThermalInput | undefined;
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession, meta: ScoringMetadata, sha256: string) {
    this.#session = session;
    this.kind = meta.kind;
    this.version = meta.version;
    this.sha256 = sha256;
    this.frameShape = Object.freeze([...meta.frameShape]);
    this.sampleRate = meta.sampleRate;
    this.threshold = meta.threshold;
    this.baseline = meta.baseline;
    this.thermalInput = meta.kind === 'thermal' ? (meta.thermalInput ?? 'celsius') : undefined;
  }

  /** Creates a session for `bytes` after checking it is a `kind` model that follows the contract. */
  static async load(bytes: Uint8Array, kind: FrameKind, sha256: string, settings: OnnxSessionSettings): Promise<OnnxScoringModel> {
    const meta = readScoringMetadata(bytes, kind);
    const session = await ort.InferenceSession.create(bytes, scoringSessionOptions(settings));
    const model = new OnnxScoringModel(session, meta, sha256);
    try {
      await verifyScoringModel(meta, { inputs: session.inputMetadata, outputs: session.outputMetadata }, model);
    } catch (err) {
      await session.release();
      throw err;
    }
    return model;
  }

  async run(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs> {
    return runScoringSession(this.#session, { inputName: scoringInputName(this.kind), version: this.version, frameShape: this.frameShape, baseline: this.baseline }, input, rows, baselines);
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
