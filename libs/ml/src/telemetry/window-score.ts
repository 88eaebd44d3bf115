/** The score of one window: `ratio` = window error ÷ threshold, `score` = ratio / (1 + ratio), so the threshold is 0.5. */
export interface WindowScore {
  readonly ratio: number;
  readonly score: number;
}

/** The calibrated score of the threshold. */
export const SCORE_THRESHOLD = 0.5;

/**
 * The score of a window error against the model's threshold (telemetry-scoring's scorers; the
 * edge agent passes the graph's `score` output, already error ÷ threshold, with threshold 1).
 */
export function windowScore(error: number, errorThreshold: number): WindowScore {
  const ratio = Math.max(0, error / errorThreshold);
  // A row so far out that the statistics overflow is as abnormal as can be.
  return Number.isFinite(ratio) ? { ratio, score: ratio / (1 + ratio) } : { ratio: Number.MAX_VALUE, score: 1 };
}
