import { WindowFitError } from './telemetry-errors.js';

/** How window errors turn into flags: the SKAB Conv-AE recipe, made causal. */
export interface AlarmRule {
  /** Error at and above which a window counts as abnormal. */
  readonly threshold: number;
  /** A point is flagged only when the windows ending at it and the `run − 1` before it are all abnormal. */
  readonly run: number;
}

/**
 * The threshold of the recipe: the `quantile` of the training windows' errors times `margin`
 * (SKAB uses a high quantile with a margin above 1, so healthy noise a little beyond the
 * training range does not alarm).
 */
export function residualThreshold(trainErrors: ArrayLike<number>, quantile: number, margin: number): number {
  if (trainErrors.length === 0) throw new WindowFitError('a threshold needs at least one training window');
  if (!(quantile > 0 && quantile <= 1 && margin > 0)) throw new WindowFitError(`quantile must be in (0, 1] and margin positive, got ${quantile} and ${margin}`);
  const sorted = Float64Array.from(trainErrors).sort();
  if (!Number.isFinite(sorted[sorted.length - 1]!)) throw new WindowFitError('training errors must be finite');
  const pos = quantile * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)) * margin;
}

/**
 * Flags for a series of consecutive window errors: entry i is 1 when errors i − run + 1 … i
 * are all at or above the threshold. Causal: a flag never depends on a later window, so a
 * service scoring live gives the same flags as this offline pass.
 */
export function applyAlarmRule(errors: ArrayLike<number>, rule: AlarmRule): Uint8Array {
  if (!(Number.isInteger(rule.run) && rule.run >= 1)) throw new WindowFitError(`run must be a positive integer, got ${rule.run}`);
  const flags = new Uint8Array(errors.length);
  let streak = 0;
  for (let i = 0; i < errors.length; i++) {
    streak = errors[i]! >= rule.threshold ? streak + 1 : 0;
    flags[i] = streak >= rule.run ? 1 : 0;
  }
  return flags;
}
