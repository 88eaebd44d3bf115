import { linearLookback, linearValue, type LinearTerm } from './linear-forecaster.js';

/**
 * One forecast step's base, the simple forecast the network's output is added to:
 * - `mean` / `median` of `count` past values spaced `period` steps apart (for step h the values
 *   at h − period·(⌈h/period⌉ + k), k < count, from the origin: the most recent ones a whole
 *   number of periods before the target). Mean with period 1 and count 1 is persistence;
 *   period 1 and a larger count, a smoothed level (the median resists the spikes and the
 *   quantisation steps of noisy sensors); a season as period, seasonal-naive or the mean
 *   of the last seasons.
 * - `trend`: the least-squares line through the last `count` values, from its value at the
 *   origin extrapolated h steps with the slope multiplied by `damping` (for slow drifts such
 *   as a cooling rig).
 * - `linear`: the DLinear-style least-squares model of `linear-forecaster.ts` (a forecaster of
 *   its own, chosen by `select-forecaster.ts`, never by {@link chooseBase}).
 */
export type BaseTerm =
  | { readonly kind: 'mean' | 'median'; readonly period: number; readonly count: number }
  | { readonly kind: 'trend'; readonly count: number; readonly damping: number }
  | LinearTerm;

/** Persistence: the last observed value. */
export const PERSISTENCE: BaseTerm = Object.freeze({ kind: 'mean', period: 1, count: 1 });

/** How many past values a mean or median averages, per candidate period; period 1 also tries longer levels. */
const COUNTS = [1, 2, 3, 4, 6, 8];
const LEVEL_COUNTS = [16, 32, 64];
const TREND_COUNTS = [8, 16, 32, 64];
const DAMPINGS = [0.5, 1];
/** Periods of the strongest autocorrelation peaks kept as candidates. */
const PEAKS = 4;
const DAY_MS = 86_400_000;

/** The base of step `h` (1-based) from origin `o` (grid index of the last observed value); NaN when a value is missing. */
export function baseValue(target: ArrayLike<number>, o: number, h: number, term: BaseTerm): number {
  if (term.kind === 'linear') return linearValue(target, o, h, term);
  if (term.kind === 'trend') {
    const k = term.count;
    if (o - k + 1 < 0) return Number.NaN;
    let sum = 0;
    let slope = 0;
    for (let j = 0; j < k; j++) {
      const v = target[o - k + 1 + j]!;
      if (!Number.isFinite(v)) return Number.NaN;
      sum += v;
      slope += (j - (k - 1) / 2) * v;
    }
    const centred = (k * (k * k - 1)) / 12; // Σ (j − (k−1)/2)²
    // The line's value at the origin, then the slope damped over the h steps ahead.
    return sum / k + (slope / centred) * ((k - 1) / 2 + term.damping * h);
  }
  if (term.kind === 'mean') {
    let sum = 0;
    for (let k = 0; k < term.count; k++) {
      const v = valueAt(target, o + h - term.period * (Math.ceil(h / term.period) + k));
      if (!Number.isFinite(v)) return Number.NaN;
      sum += v;
    }
    return sum / term.count;
  }
  const values: number[] = [];
  for (let k = 0; k < term.count; k++) {
    const v = valueAt(target, o + h - term.period * (Math.ceil(h / term.period) + k));
    if (!Number.isFinite(v)) return Number.NaN;
    values.push(v);
  }
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

function valueAt(target: ArrayLike<number>, i: number): number {
  return i >= 0 ? target[i]! : Number.NaN;
}

/** How many steps before the origin the terms (one per step) reach (0 for persistence). */
export function baseLookback(terms: readonly BaseTerm[]): number {
  return terms.reduce((m, term, i) => Math.max(m, termLookback(i + 1, term)), 0);
}

function termLookback(h: number, term: BaseTerm): number {
  if (term.kind === 'linear') return linearLookback(h, term);
  return term.kind === 'trend' ? term.count - 1 : term.period * (Math.ceil(h / term.period) + term.count - 1) - h;
}

/** Whether every step's base is persistence. */
export function isPersistence(terms: readonly BaseTerm[]): boolean {
  return terms.every((t) => t.kind === 'mean' && t.period === 1 && t.count === 1);
}

/**
 * Candidate periods from the training values only: 1 (levels), the lags of the strongest
 * local maxima of the autocorrelation up to `maxLag` (correlation above 0.1), and one day
 * when the step divides it and the day fits in `maxLag`.
 */
export function candidatePeriods(values: ArrayLike<number>, stepMs: number, maxLag: number): number[] {
  const { peaks, day } = autocorrelationPeaks(values, stepMs, maxLag);
  const periods = new Set([1, ...peaks.sort((a, b) => b.r - a.r).slice(0, PEAKS).map((p) => p.lag)]);
  if (day !== undefined) periods.add(day);
  return [...periods].sort((a, b) => a - b);
}

/** Autocorrelation a season must reach to be taken for one (seasonal-naive's season). */
const SEASON_MIN_CORRELATION = 0.3;

/**
 * The season for seasonal-naive, from the training values only: the strongest autocorrelation
 * peak after the autocorrelation first falls to zero (before that, the bumps are noise on the
 * decay of a slow signal, not a season) — one day instead when the step divides it, the day fits
 * in `maxLag` and it is nearly as strong (daily rhythms are the common case on plants); none
 * (undefined) when no such peak reaches {@link SEASON_MIN_CORRELATION}.
 */
export function detectSeason(values: ArrayLike<number>, stepMs: number, maxLag: number): number | undefined {
  const { peaks, day, centred, r } = autocorrelationPeaks(values, stepMs, maxLag);
  const firstZero = r.findIndex((v) => v <= 0);
  if (firstZero < 0) return undefined;
  const best = peaks.filter((p) => p.lag > firstZero).sort((a, b) => b.r - a.r)[0];
  const dayR = day !== undefined && day > firstZero ? autocorrelation(centred, day) : Number.NEGATIVE_INFINITY;
  if (day !== undefined && dayR >= SEASON_MIN_CORRELATION && dayR >= (best?.r ?? 0) - 0.05) return day;
  return best && best.r >= SEASON_MIN_CORRELATION ? best.lag : undefined;
}

function autocorrelation(d: readonly number[], lag: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < d.length; i++) den += d[i]! * d[i]!;
  for (let i = lag; i < d.length; i++) num += d[i]! * d[i - lag]!;
  return den > 0 ? num / den : 0;
}

function autocorrelationPeaks(values: ArrayLike<number>, stepMs: number, maxLag: number) {
  const y = Array.from(values).filter(Number.isFinite);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const d = y.map((v) => v - mean);
  const den = d.reduce((a, b) => a + b * b, 0);
  const top = Math.min(maxLag, Math.floor(y.length / 3));
  const r = [1];
  for (let lag = 1; lag <= top + 1; lag++) {
    let num = 0;
    for (let i = lag; i < d.length; i++) num += d[i]! * d[i - lag]!;
    r.push(den > 0 ? num / den : 0);
  }
  const peaks: { lag: number; r: number }[] = [];
  for (let lag = 2; lag <= top; lag++) if (r[lag]! > 0.1 && r[lag]! > r[lag - 1]! && r[lag]! >= r[lag + 1]!) peaks.push({ lag, r: r[lag]! });
  const steps = DAY_MS / stepMs;
  const day = Number.isInteger(steps) && steps <= maxLag && steps < y.length / 2 ? steps : undefined;
  return { peaks, day, centred: d, r };
}

/** Every base term tried for `periods`. */
export function candidateTerms(periods: readonly number[]): BaseTerm[] {
  const terms: BaseTerm[] = [];
  for (const period of periods) {
    for (const count of period === 1 ? [...COUNTS, ...LEVEL_COUNTS] : COUNTS) {
      terms.push({ kind: 'mean', period, count });
      if (count >= 3) terms.push({ kind: 'median', period, count });
    }
  }
  for (const count of TREND_COUNTS) for (const damping of DAMPINGS) terms.push({ kind: 'trend', count, damping });
  return terms;
}

/** Origins scored per step: the latest this many (enough for a stable MAE, bounded cost on long histories). */
const MAX_SCORED = 3000;

/**
 * Per step, the base term with the lowest mean absolute error on the latest
 * {@link MAX_SCORED} of `origins` (persistence unless another term is strictly better), among
 * `terms` reaching at most `maxLookback` steps back. Every term is scored on the same origins.
 * Yields to the event loop between steps: on long histories this takes a few hundred ms.
 */
export async function chooseBase(target: ArrayLike<number>, origins: readonly number[], horizon: number, terms: readonly BaseTerm[], maxLookback: number): Promise<BaseTerm[]> {
  const chosen: BaseTerm[] = [];
  for (let i = 0; i < horizon; i++) {
    const h = i + 1;
    const scored = origins.filter((o) => o >= maxLookback && Number.isFinite(target[o + h]!)).slice(-MAX_SCORED);
    let best = { term: PERSISTENCE, mae: Number.POSITIVE_INFINITY };
    for (const term of [PERSISTENCE, ...terms.filter((t) => termLookback(h, t) <= maxLookback)]) {
      let sum = 0;
      for (const o of scored) {
        const b = baseValue(target, o, h, term);
        if (!Number.isFinite(b)) {
          sum = Number.NaN;
          break;
        }
        sum += Math.abs(target[o + h]! - b);
      }
      if (scored.length > 0 && sum / scored.length < best.mae) best = { term, mae: sum / scored.length };
    }
    chosen.push(best.term);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return chosen;
}
