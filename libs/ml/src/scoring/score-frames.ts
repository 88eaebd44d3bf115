import { packBaselineFeed } from '../baseline/baseline-feed.js';
import type { BaselineSpec } from '../baseline/baseline-spec.js';
import type { FrameRows } from './frame-input.js';
import type { ScoringRunner } from './scoring-session.js';

/** What a frame's score compared it with: its device's own baseline, or the fleet. */
export type ScoreReference = 'device' | 'fleet';

/** The outcome for one frame: the mean over its rows. */
export interface FrameScore {
  /** In [0, 1]: against the device's baseline when one was given, else against the fleet. */
  readonly score: number;
  readonly error: number;
  readonly reference: ScoreReference;
  /** Models with a baseline: the mean score against the fleet (what enrollment is judged on). */
  readonly fleetScore?: number;
  /** Models with a baseline: one `embedding` row per model row (views into the run's output). */
  readonly embeddings?: readonly Float32Array[];
}

/** A loaded model as {@link scoreFrames} needs it: its row shape, its baseline spec and a way to run rows. */
export interface FrameScorer extends ScoringRunner {
  readonly frameShape: readonly number[];
  readonly baseline: BaselineSpec | undefined;
}

/** Values in one input row: the product of the frame shape. */
export function rowLength(model: { readonly frameShape: readonly number[] }): number {
  return model.frameShape.reduce((a, b) => a * b, 1);
}

/**
 * Packs the rows of many frames into one row-major float32 `[rows, …frameShape]` tensor —
 * the contract's layout. Always a fresh buffer: runners may transfer it to another thread.
 */
export function packRows(frames: readonly FrameRows[], width: number): { readonly input: Float32Array; readonly rows: number } {
  const rows = frames.reduce((n, f) => n + f.length, 0);
  const input = new Float32Array(rows * width);
  let offset = 0;
  for (const frame of frames) {
    for (const row of frame) {
      input.set(row, offset);
      offset += width;
    }
  }
  return { input, rows };
}

/**
 * Scores many frames with one `run` call — the output decoding of the contract, shared by the
 * core and the edge: rows are packed into one tensor (one native call amortises the per-call
 * overhead), and each frame's score, error and fleet score are the means over its own rows,
 * clamped to [0, 1]. `baselines[i]`, when given, is frame i's device baseline: every row of
 * that frame is compared with it, and the model's baseline inputs are fed for the batch.
 */
export async function scoreFrames(model: FrameScorer, frames: readonly FrameRows[], baselines?: readonly (Float32Array | undefined)[]): Promise<FrameScore[]> {
  if (frames.length === 0) return [];
  const { input, rows } = packRows(frames, rowLength(model));
  const spec = model.baseline;
  const feed = spec && baselines?.some((b) => b !== undefined) ? packBaselineFeed(spec, frames.flatMap((f, i) => f.map(() => baselines[i]))) : undefined;
  const { score, error, fleetScore, embedding } = await model.run(input, rows, feed);
  const out: FrameScore[] = [];
  let r = 0;
  frames.forEach((frame, i) => {
    const first = r;
    let s = 0;
    let e = 0;
    let f = 0;
    for (let k = 0; k < frame.length; k++, r++) {
      s += score[r]!;
      e += error[r]!;
      if (fleetScore) f += fleetScore[r]!;
    }
    const n = frame.length;
    const reference: ScoreReference = spec && baselines?.[i] ? 'device' : 'fleet';
    // Clamped: the contract promises [0, 1], and a float rounding above 1 would fail the score schema.
    const base = { score: clamp01(s / n), error: e / n, reference };
    if (!fleetScore || !embedding || !spec) out.push(base);
    else {
      const d = spec.embedding;
      out.push({ ...base, fleetScore: clamp01(f / n), embeddings: Array.from({ length: n }, (_, k) => embedding.subarray((first + k) * d, (first + k + 1) * d)) });
    }
  });
  return out;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
