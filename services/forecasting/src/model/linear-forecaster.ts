import { cholesky, solveCholesky } from '@premonitor/ml';

/**
 * A DLinear-style forecaster in closed form: the input window (the last `lags` values, taken
 * relative to the last one) is split into a trend (centred moving average over `kernel`
 * values, edges repeated, as DLinear does) and the remainder; each forecast step has its own
 * weights on both parts, on the value one season before the target (when a season is known),
 * on the last value's level (so the forecast can revert to the mean, which relative inputs
 * alone cannot express) and a constant. Fitted by ridge least squares, one small solve per step.
 */
export interface LinearTerm {
  readonly kind: 'linear';
  readonly lags: number;
  readonly kernel: number;
  /** Season in steps; 0: no seasonal input. */
  readonly season: number;
  /** The level input is the last value minus this (the mean of the fitting span). */
  readonly center: number;
  /** Trend weights (`lags`), remainder weights (`lags`), the seasonal weight (when `season` > 0), the level weight, the constant. */
  readonly weights: readonly number[];
}

/** Settings of {@link fitLinearTerms}. */
export interface LinearOptions {
  readonly lags: number;
  readonly season: number;
  /** Ridge penalty relative to the mean of the normal matrix's diagonal (scale-free). */
  readonly ridge?: number;
}

/** Origins used for one fit: the latest this many (bounded cost on long histories). */
const MAX_FIT_ORIGINS = 5000;
const DEFAULT_RIDGE = 1e-3;

/** Trend kernel for a window of `lags` values: odd, about half the window, at most 25 (DLinear's). */
export function trendKernel(lags: number): number {
  return Math.min(25, 2 * Math.floor(lags / 4) + 1);
}

/** Steps before the origin that step `h` of `term` reads. */
export function linearLookback(h: number, term: Pick<LinearTerm, 'lags' | 'season'>): number {
  return Math.max(term.lags - 1, term.season > 0 ? term.season * Math.ceil(h / term.season) - h : 0);
}

/**
 * The features of step `h` from origin `o` into `out` (length {@link featureLength}); false
 * when a value is missing.
 */
function writeFeatures(target: ArrayLike<number>, o: number, h: number, lags: number, kernel: number, season: number, center: number, out: Float64Array, window: Float64Array): boolean {
  const first = o - lags + 1;
  if (first < 0) return false;
  const last = target[o]!;
  if (!Number.isFinite(last)) return false;
  for (let j = 0; j < lags; j++) {
    const v = target[first + j]!;
    if (!Number.isFinite(v)) return false;
    window[j] = v - last;
  }
  const half = (kernel - 1) / 2;
  for (let j = 0; j < lags; j++) {
    let sum = 0;
    for (let k = j - half; k <= j + half; k++) sum += window[Math.min(lags - 1, Math.max(0, k))]!;
    out[j] = sum / kernel;
    out[lags + j] = window[j]! - out[j]!;
  }
  let at = 2 * lags;
  if (season > 0) {
    const i = o + h - season * Math.ceil(h / season);
    const v = i >= 0 ? target[i]! : Number.NaN;
    if (!Number.isFinite(v)) return false;
    out[at++] = v - last;
  }
  out[at++] = last - center;
  out[at] = 1;
  return true;
}

function featureLength(lags: number, season: number): number {
  return 2 * lags + (season > 0 ? 1 : 0) + 2;
}

/** The forecast of step `h` (1-based) from origin `o`; NaN when a value is missing. */
export function linearValue(target: ArrayLike<number>, o: number, h: number, term: LinearTerm): number {
  const p = featureLength(term.lags, term.season);
  const x = new Float64Array(p);
  if (!writeFeatures(target, o, h, term.lags, term.kernel, term.season, term.center, x, new Float64Array(term.lags))) return Number.NaN;
  let y = target[o]!;
  for (let j = 0; j < p; j++) y += term.weights[j]! * x[j]!;
  return y;
}

/**
 * One linear term per step 1…`horizon`, fitted on `origins` (grid indices of the last observed
 * value whose targets are all known). Undefined when fewer origins than weights are usable.
 */
export function fitLinearTerms(target: ArrayLike<number>, origins: readonly number[], horizon: number, options: LinearOptions): LinearTerm[] | undefined {
  const { lags, season } = options;
  const kernel = trendKernel(lags);
  const p = featureLength(lags, season);
  const x = new Float64Array(p);
  const window = new Float64Array(lags);
  const terms: LinearTerm[] = [];
  const used = origins.slice(-MAX_FIT_ORIGINS);
  let center = 0;
  for (const o of used) center += target[o]!;
  center = used.length > 0 ? center / used.length : 0;
  if (!Number.isFinite(center)) return undefined;
  for (let h = 1; h <= horizon; h++) {
    const ata = new Float64Array(p * p);
    const aty = new Float64Array(p);
    let rows = 0;
    for (const o of used) {
      const y = target[o + h]!;
      if (!Number.isFinite(y) || !writeFeatures(target, o, h, lags, kernel, season, center, x, window)) continue;
      const dy = y - target[o]!;
      for (let i = 0; i < p; i++) {
        const xi = x[i]!;
        if (xi === 0) continue;
        aty[i]! += xi * dy;
        for (let j = 0; j <= i; j++) ata[i * p + j]! += xi * x[j]!;
      }
      rows++;
    }
    if (rows < p) return undefined;
    // Scale-free ridge: each feature's penalty is a share of its own energy (as on
    // standardised inputs); the constant is not penalised. Constant features get a floor.
    const ridge = options.ridge ?? DEFAULT_RIDGE;
    for (let i = 0; i < p - 1; i++) ata[i * p + i] = (1 + ridge) * ata[i * p + i]! + 1e-9 * rows;
    ata[(p - 1) * p + (p - 1)]! += 1e-9 * rows;
    terms.push({ kind: 'linear', lags, kernel, season, center, weights: Array.from(solveCholesky(cholesky(ata, p, 1e-300), aty, p)) });
  }
  return terms;
}
