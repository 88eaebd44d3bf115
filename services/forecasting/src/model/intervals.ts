/**
 * Split-conformal prediction intervals: per forecast step, the half-width is a quantile of
 * the absolute validation residuals of that step. Distribution-free, and it widens with
 * the step because later steps miss by more.
 */

/**
 * The conformal quantile of absolute residuals: the ⌈(n+1)·level⌉-th smallest, which holds
 * at least `level` of exchangeable new residuals. Infinity when n is too small for the level.
 */
export function conformalQuantile(absResiduals: readonly number[], level: number): number {
  const sorted = absResiduals.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.POSITIVE_INFINITY;
  const rank = Math.ceil((sorted.length + 1) * level);
  return rank > sorted.length ? sorted[sorted.length - 1]! : sorted[rank - 1]!;
}

/** Half-width per step from `residuals[step][window]` (signed or absolute). */
export function calibrateHalfWidths(residuals: readonly (readonly number[])[], level: number): number[] {
  return residuals.map((r) => conformalQuantile(r.map(Math.abs), level));
}

/** Fraction of `actual[i]` within `[lower[i], upper[i]]`, over finite triples. */
export function intervalCoverage(actual: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let n = 0;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    if (!Number.isFinite(y)) continue;
    n++;
    if (y >= lower[i]! && y <= upper[i]!) inside++;
  }
  return n === 0 ? Number.NaN : inside / n;
}

/**
 * Honest coverage from validation alone: calibrate on the earlier half of the windows,
 * measure on the later half (time order kept), so the figure is not the calibration set
 * grading itself.
 */
export function heldOutCoverage(residuals: readonly (readonly number[])[], level: number): number {
  let n = 0;
  let inside = 0;
  for (const r of residuals) {
    const half = Math.floor(r.length / 2);
    if (half < 1) continue;
    const q = conformalQuantile(r.slice(0, half).map(Math.abs), level);
    for (const e of r.slice(half)) {
      n++;
      if (Math.abs(e) <= q) inside++;
    }
  }
  return n === 0 ? Number.NaN : inside / n;
}
