import { packBaselineFeed } from '@premonitor/ml';
import { rowLength, type ScoringModel } from './scoring-model.js';
import type { FrameRows } from './frame-adapter.js';

/** What a frame's score compared it with: its device's own baseline, or the fleet. */
export type ScoreReference = 'device' | 'fleet';

/** The outcome for one frame: the mean over its rows. */
export interface FrameScore {
  readonly score: number;
  readonly error: number;
  readonly reference: ScoreReference;
  /** Models with a baseline: the mean score against the fleet (what enrollment is judged on). */
  readonly fleetScore?: number;
  /** Models with a baseline: one `embedding` row per model row (views into the run's output). */
  readonly embeddings?: readonly Float32Array[];
}

/**
 * Scores many frames with one `run` call: their rows are packed into one [rows, …] tensor
 * (the point of micro-batching — one native call amortises the per-call overhead), and each
 * frame's score and error are the means over its own rows. `baselines[i]`, when given, is
 * frame i's device baseline: every row of that frame is compared with it.
 */
export async function scoreFrames(model: ScoringModel, frames: readonly FrameRows[], baselines?: readonly (Float32Array | undefined)[]): Promise<FrameScore[]> {
  if (frames.length === 0) return [];
  const width = rowLength(model);
  const rows = frames.reduce((n, f) => n + f.length, 0);
  const input = new Float32Array(rows * width);
  let offset = 0;
  for (const frame of frames) {
    for (const row of frame) {
      input.set(row, offset);
      offset += width;
    }
  }
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
