import * as ort from 'onnxruntime-node';
import { baselineShape, type BaselineSpec } from '../baseline/baseline-spec.js';
import { packBaselineFeed, type BaselineFeed } from '../baseline/baseline-feed.js';
import { ModelContractError } from './scoring-errors.js';

/** Outputs of one model run, one value per input row. */
export interface ScoringOutputs {
  /** Calibrated anomaly probability in [0, 1]. */
  readonly score: Float32Array;
  /** Raw anomaly measure (reconstruction error for the autoencoders). */
  readonly error: Float32Array;
  /** Models with a baseline: the score against the fleet, whatever `enrolled` was. */
  readonly fleetScore?: Float32Array;
  /** Models with a baseline: `[rows, spec.embedding]`, what an enrollment sample is made of. */
  readonly embedding?: Float32Array;
}

/** Runs packed rows through a scoring model: the one operation the contract checks and services need. */
export interface ScoringRunner {
  /** `input` holds `rows` frames row-major; it may be transferred to another thread, so it is not reused. */
  run(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ScoringOutputs>;
}

/** How a session runs. */
export interface ScoringSessionSettings {
  /** Threads inside one operator (1–2 on small hosts shared by several services). */
  readonly intraOpThreads: number;
}

/** What {@link runScoringSession} needs to know about the model. */
export interface SessionContract {
  readonly inputName: string;
  readonly version: string;
  readonly frameShape: readonly number[];
  readonly baseline: BaselineSpec | undefined;
}

/** Session options every scoring session uses (core and edge). */
export function scoringSessionOptions(settings: ScoringSessionSettings): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

/**
 * One `session.run` of `rows` packed inputs, with the outputs checked to be float32 [rows].
 * A model with a baseline is always fed `baseline` and `enrolled` (all zeros = every row
 * against the fleet when `baselines` is absent) and also returns `fleet_score` and `embedding`.
 */
export async function runScoringSession(session: ort.InferenceSession, contract: SessionContract, input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ScoringOutputs> {
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
