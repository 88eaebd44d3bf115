import * as ort from 'onnxruntime-node';
import type { FrameKind } from '@premonitor/contracts';
import { BaselineError, baselineShape, checkBaselineSpec, packBaselineFeed, readModelMetadata, type BaselineFeed, type BaselineSpec, type ModelMetadata } from '@premonitor/ml';
import { ModelContractError } from './model-errors.js';
import type { ModelOutputs, ScoringModel } from './scoring-model.js';

/** How the ONNX sessions run. */
export interface OnnxSessionSettings {
  /** Threads inside one operator (1–2 here: the host has 2 cores shared by several services). */
  readonly intraOpThreads: number;
}

const INPUT_NAME: Record<FrameKind, string> = { acoustic: 'pcm', thermal: 'frame' };

/**
 * A `ScoringModel` backed by an onnxruntime-node session. `load` checks the model I/O
 * contract up front — input `pcm` [N, S] or `frame` [N, H, W], outputs `score` and `error`
 * [N], metadata `frame_shape` (and `sample_rate` for audio) — so a wrong file fails at
 * promotion time with a message, not on the first frame.
 *
 * `run` executes on the calling thread: onnxruntime-node's `session.run` only defers the
 * native call with `setImmediate`, then blocks the event loop for the whole run. Fine for
 * uploads and benches; the frame consumer uses {@link WorkerScoringModel} instead.
 */
export class OnnxScoringModel implements ScoringModel {
  readonly kind: FrameKind;
  readonly version: string;
  readonly sha256: string;
  readonly frameShape: readonly number[];
  readonly sampleRate: number | undefined;
  readonly threshold: number | undefined;
  readonly baseline: BaselineSpec | undefined;
  readonly thermalInput: 'celsius' | 'relative' | undefined;
  readonly #session: ort.InferenceSession;
  readonly #input: string;

  private constructor(session: ort.InferenceSession, meta: ContractMetadata, sha256: string) {
    this.#session = session;
    this.kind = meta.kind;
    this.version = meta.version;
    this.sha256 = sha256;
    this.frameShape = Object.freeze([...meta.frameShape]);
    this.sampleRate = meta.sampleRate;
    this.threshold = meta.threshold;
    this.baseline = meta.baseline;
    this.thermalInput = meta.kind === 'thermal' ? (meta.thermalInput ?? 'celsius') : undefined;
    this.#input = INPUT_NAME[meta.kind];
  }

  /** Creates a session for `bytes` after checking it is a `kind` model that follows the contract. */
  static async load(bytes: Uint8Array, kind: FrameKind, sha256: string, settings: OnnxSessionSettings): Promise<OnnxScoringModel> {
    const meta = readContractMetadata(bytes, kind, sha256);
    const session = await ort.InferenceSession.create(bytes, onnxSessionOptions(settings));
    const missing = missingContractIo(kind, session.inputNames, session.outputNames, meta.baseline !== undefined);
    if (missing) {
      await session.release();
      throw new ModelContractError(`model ${meta.version} lacks ${missing} of the inference I/O contract`);
    }
    return new OnnxScoringModel(session, meta, sha256);
  }

  async run(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs> {
    return runSession(this.#session, { inputName: this.#input, version: this.version, frameShape: this.frameShape, baseline: this.baseline }, input, rows, baselines);
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

/** The metadata of a model file, checked against the I/O contract of `kind`. */
export type ContractMetadata = ModelMetadata & { kind: FrameKind; frameShape: readonly number[] };

/** The input name of `kind` models: `pcm` or `frame`. */
export function contractInputName(kind: FrameKind): string {
  return INPUT_NAME[kind];
}

/**
 * Reads and checks the metadata part of the contract (kind, `frame_shape`, `sample_rate`)
 * without creating a session, so the worker-thread adapter checks it the same way.
 */
export function readContractMetadata(bytes: Uint8Array, kind: FrameKind, sha256: string): ContractMetadata {
  let meta: ModelMetadata;
  try {
    meta = readModelMetadata(bytes);
  } catch (cause) {
    throw new ModelContractError(`model ${sha256.slice(0, 12)} has no readable metadata: ${(cause as Error).message}`, { cause });
  }
  if (meta.kind !== kind) throw new ModelContractError(`model ${meta.version} is a '${meta.kind}' model; this service scores '${kind}' frames`);
  const frameShape = meta.frameShape;
  const rank = kind === 'acoustic' ? 1 : 2;
  if (!frameShape || frameShape.length !== rank || frameShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModelContractError(`model ${meta.version}: metadata frame_shape must be ${kind === 'acoustic' ? '[samples]' : '[height, width]'}, got ${JSON.stringify(frameShape)}`);
  }
  if (kind === 'acoustic' && !(Number.isInteger(meta.sampleRate) && (meta.sampleRate ?? 0) > 0)) {
    throw new ModelContractError(`model ${meta.version}: acoustic models must declare sample_rate in their metadata`);
  }
  if (meta.baseline !== undefined) {
    try {
      checkBaselineSpec(meta.baseline);
    } catch (err) {
      if (err instanceof BaselineError) throw new ModelContractError(`model ${meta.version}: metadata ${err.message}`, { cause: err });
      throw err;
    }
  }
  return { ...meta, kind, frameShape };
}

/**
 * "input 'pcm', output 'score'" when the session lacks contract I/O, else undefined. A model
 * whose metadata declares a baseline must also take `baseline` and `enrolled` and give
 * `fleet_score` and `embedding`.
 */
export function missingContractIo(kind: FrameKind, inputNames: readonly string[], outputNames: readonly string[], withBaseline = false): string | undefined {
  const inputs = [INPUT_NAME[kind], ...(withBaseline ? ['baseline', 'enrolled'] : [])];
  const outputs = ['score', 'error', ...(withBaseline ? ['fleet_score', 'embedding'] : [])];
  const missing = [
    ...inputs.filter((i) => !inputNames.includes(i)).map((i) => `input '${i}'`),
    ...outputs.filter((o) => !outputNames.includes(o)).map((o) => `output '${o}'`),
  ];
  return missing.length > 0 ? missing.join(', ') : undefined;
}

/** Session options shared by both adapters. */
export function onnxSessionOptions(settings: OnnxSessionSettings): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

/** What `runSession` needs to know about the model. */
export interface SessionContract {
  readonly inputName: string;
  readonly version: string;
  readonly frameShape: readonly number[];
  readonly baseline: BaselineSpec | undefined;
}

/**
 * One `session.run` of `rows` packed inputs, with the outputs checked to be float32 [rows].
 * A model with a baseline is always fed `baseline` and `enrolled` (all zeros = every row
 * against the fleet when `baselines` is absent) and also returns `fleet_score` and `embedding`.
 */
export async function runSession(session: ort.InferenceSession, contract: SessionContract, input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs> {
  const { inputName, version, frameShape, baseline: spec } = contract;
  const feeds: Record<string, ort.Tensor> = { [inputName]: new ort.Tensor('float32', input, [rows, ...frameShape]) };
  if (spec) {
    const feed = baselines ?? packBaselineFeed(spec, new Array<undefined>(rows));
    const [baselineRows, columns] = baselineShape(spec);
    if (feed.enrolled.length !== rows || feed.baseline.length !== rows * baselineRows * columns) {
      throw new ModelContractError(`model ${version}: baselines for ${feed.enrolled.length} rows fed to a run of ${rows}`);
    }
    feeds['baseline'] = new ort.Tensor('float32', feed.baseline, [rows, baselineRows, columns]);
    feeds['enrolled'] = new ort.Tensor('float32', feed.enrolled, [rows]);
  }
  const out = await session.run(feeds);
  const score = out['score']?.data;
  const error = out['error']?.data;
  if (!(score instanceof Float32Array) || !(error instanceof Float32Array) || score.length !== rows || error.length !== rows) {
    throw new ModelContractError(`model ${version} returned outputs that are not float32 [${rows}]`);
  }
  if (!spec) return { score, error };
  const fleetScore = out['fleet_score']?.data;
  const embedding = out['embedding']?.data;
  if (!(fleetScore instanceof Float32Array) || fleetScore.length !== rows || !(embedding instanceof Float32Array) || embedding.length !== rows * spec.embedding) {
    throw new ModelContractError(`model ${version} returned no float32 fleet_score [${rows}] and embedding [${rows}, ${spec.embedding}]`);
  }
  return { score, error, fleetScore, embedding };
}
