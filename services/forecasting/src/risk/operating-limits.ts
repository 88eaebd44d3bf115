import type { OperatingLimits } from './failure-risk.js';

/** How a model's default limits are read off its training span. */
export interface NormalRangeRule {
  /** Share of the span allowed beyond each side of the normal range, e.g. 0.005 (the 0.5 % and 99.5 % quantiles). */
  readonly quantile: number;
  /** The limit lies this many interquartile ranges beyond the quantile. */
  readonly iqrMargin: number;
}

/** The rule chosen on the validation parts of the bench series (service README, "Failure risk"). */
export const DEFAULT_NORMAL_RANGE_RULE: NormalRangeRule = Object.freeze({ quantile: 0.005, iqrMargin: 1.5 });

/**
 * Default operating limits of a sensor: where its normal operation, as seen in the training
 * span, ends. Low = the `quantile` quantile − `iqrMargin` × IQR, high = the 1 − `quantile`
 * quantile + `iqrMargin` × IQR.
 *
 * Why quantiles and not mean ± k·σ: a sensor with regular spikes (a CPU at 100 % every hour)
 * has a σ that puts mean + 3σ below its everyday peaks, so the risk was high whenever the
 * forecast predicted the next routine spike, and a σ inflated by those spikes pushes the other
 * limit out of reach. The extreme quantiles follow each side of the distribution on its own,
 * and leaving out the rarest 0.5 % keeps a few bad readings in the span from moving them.
 * When the IQR is 0 (a quantised or mostly constant sensor) the quantile range, then
 * `fallbackScale` (the training std), gives the margin, so a limit never sits on a normal value.
 */
export function normalOperatingLimits(values: ArrayLike<number>, rule: NormalRangeRule, fallbackScale: number): Required<OperatingLimits> {
  const sorted = Float64Array.from(Array.prototype.filter.call(values, Number.isFinite) as number[]).sort();
  if (sorted.length === 0) throw new RangeError('normalOperatingLimits needs at least one finite value');
  const lowQ = quantileOfSorted(sorted, rule.quantile);
  const highQ = quantileOfSorted(sorted, 1 - rule.quantile);
  const iqr = quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
  const scale = iqr > 0 ? iqr : highQ - lowQ > 0 ? highQ - lowQ : fallbackScale;
  return { low: lowQ - rule.iqrMargin * scale, high: highQ + rule.iqrMargin * scale };
}

/** Linear interpolation between order statistics (the usual "type 7" quantile). */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const i = Math.floor(at);
  const next = sorted[Math.min(i + 1, sorted.length - 1)]!;
  return sorted[i]! + (next - sorted[i]!) * (at - i);
}
