import { InsufficientHistoryError } from '../errors.js';
import { fillShortGaps, inferStepMs, resampleToStep, type TimedValue } from './resample.js';

/** Several sensors of one device on the target's grid, short gaps filled. */
export interface AlignedSeries {
  readonly start: number;
  readonly stepMs: number;
  /** One column per input key, target first; `NaN` where a long gap remains. */
  readonly columns: readonly Float64Array[];
  /** Slots filled by interpolation, over all columns. */
  readonly filled: number;
}

/**
 * Resamples the target (first) to its own step — inferred unless given — and every other
 * sensor onto the same grid, then interpolates gaps of at most `maxGapSteps`.
 */
export function alignSeries(pointsByKey: readonly (readonly TimedValue[])[], options: { stepMs?: number; maxGapSteps: number; targetKey: string }): AlignedSeries {
  const target = pointsByKey[0] ?? [];
  const stepMs = options.stepMs ?? inferStepMs(target);
  if (stepMs === undefined) {
    throw new InsufficientHistoryError(`${options.targetKey} has ${target.length} reading(s); at least two distinct timestamps are needed to find its step`, target.length, 2);
  }
  const first = resampleToStep(target, stepMs);
  const grid = { start: first.start, slots: first.values.length };
  let filled = 0;
  const columns = pointsByKey.map((points, k) => {
    const raw = k === 0 ? first : resampleToStep(points, stepMs, grid);
    const result = fillShortGaps(raw, options.maxGapSteps);
    filled += result.filled;
    return result.series.values;
  });
  return { start: grid.start, stepMs, columns, filled };
}
