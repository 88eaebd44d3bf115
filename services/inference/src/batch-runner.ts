import { rowLength, type ScoringModel } from './scoring-model.js';
import type { FrameRows } from './frame-adapter.js';

/** The outcome for one frame: the mean over its rows. */
export interface FrameScore {
  readonly score: number;
  readonly error: number;
}

/**
 * Scores many frames with one `run` call: their rows are packed into one [rows, …] tensor
 * (the point of micro-batching — one native call amortises the per-call overhead), and each
 * frame's score and error are the means over its own rows.
 */
export async function scoreFrames(model: ScoringModel, frames: readonly FrameRows[]): Promise<FrameScore[]> {
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
  const { score, error } = await model.run(input, rows);
  const out: FrameScore[] = [];
  let r = 0;
  for (const frame of frames) {
    let s = 0;
    let e = 0;
    for (let i = 0; i < frame.length; i++, r++) {
      s += score[r]!;
      e += error[r]!;
    }
    // Clamped: the contract promises [0, 1], and a float rounding above 1 would fail the score schema.
    out.push({ score: Math.min(1, Math.max(0, s / frame.length)), error: e / frame.length });
  }
  return out;
}
