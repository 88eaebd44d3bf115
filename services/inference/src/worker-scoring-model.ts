import type { FrameKind } from '@premonitor/contracts';
import type { BaselineFeed, BaselineSpec, ThermalInput } from '@premonitor/ml';
import { readScoringMetadata, scoringInputName, verifyScoringModel, type ScoringMetadata } from '@premonitor/ml/scoring';
import type { OnnxSessionSettings } from './onnx-scoring-model.js';
import type { OnnxWorkerPool } from './onnx-worker-pool.js';
import type { ModelOutputs, ScoringModel } from './scoring-model.js';

/**
 * A `ScoringModel` whose sessions live in the threads of an {@link OnnxWorkerPool}: the event
 * loop stays free while a batch runs (the service scores batch k+1 while batch k is stored and
 * published), and with several threads batches run on several cores. Checked against the
 * contract like `OnnxScoringModel`, the reference batch running in the pool's threads. A
 * batch's input buffers are transferred to a thread, so callers must not reuse them after `run`.
 */
export class WorkerScoringModel implements ScoringModel {
  readonly kind: FrameKind;
  readonly version: string;
  readonly sha256: string;
  readonly frameShape: readonly number[];
  readonly sampleRate: number | undefined;
  readonly threshold: number | undefined;
  readonly baseline: BaselineSpec | undefined;
  readonly thermalInput: ThermalInput | undefined;
  readonly #pool: OnnxWorkerPool;
  readonly #model: number;

  private constructor(pool: OnnxWorkerPool, model: number, meta: ScoringMetadata, sha256: string) {
    this.#pool = pool;
    this.#model = model;
    this.kind = meta.kind;
    this.version = meta.version;
    this.sha256 = sha256;
    this.frameShape = Object.freeze([...meta.frameShape]);
    this.sampleRate = meta.sampleRate;
    this.threshold = meta.threshold;
    this.baseline = meta.baseline;
    this.thermalInput = meta.kind === 'thermal' ? (meta.thermalInput ?? 'celsius') : undefined;
  }

  /** Creates a session in every thread of `pool`, then checks the contract there; a failing model is released. */
  static async load(pool: OnnxWorkerPool, bytes: Uint8Array, kind: FrameKind, sha256: string, settings: OnnxSessionSettings): Promise<WorkerScoringModel> {
    const meta = readScoringMetadata(bytes, kind);
    const loaded = await pool.load({ bytes, intraOpThreads: settings.intraOpThreads, inputName: scoringInputName(kind), version: meta.version, frameShape: meta.frameShape, baseline: meta.baseline });
    const model = new WorkerScoringModel(pool, loaded.model, meta, sha256);
    try {
      await verifyScoringModel(meta, loaded, model);
    } catch (err) {
      pool.release(loaded.model);
      throw err;
    }
    return model;
  }

  run(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs> {
    return this.#pool.run(this.#model, input, rows, baselines);
  }

  async release(): Promise<void> {
    this.#pool.release(this.#model);
  }
}
