import type { AlignedSeries } from '../series/align-series.js';
import { stepBases, type ForecasterSpec } from './forecaster-spec.js';
import { fitLinearTerms } from './linear-forecaster.js';
import type { LstmNetwork } from './lstm-network.js';
import { baseValue, detectSeason, PERSISTENCE, type BaseTerm } from './seasonal-base.js';
import { buildWindows, usableOrigins } from './training-windows.js';

/** The forecasters a series chooses between, simplest first. */
export const FORECASTER_KINDS = ['persistence', 'seasonal-naive', 'linear', 'lstm'] as const;
export type ForecasterKind = (typeof FORECASTER_KINDS)[number];

/** How one candidate did on the rolling-origin folds. */
export interface CandidateScore {
  readonly kind: ForecasterKind;
  /** Mean over folds of the MAE over every step, in the target's units; null when not evaluated. */
  readonly mae: number | null;
  /** Mean over folds of MAE ÷ persistence's MAE on the same origins (1 = persistence). */
  readonly relativeMae: number | null;
  /** Why it was not evaluated, when it was not. */
  readonly note?: string;
}

/** The choice stored with a model (its metrics) and reported by the API. */
export interface ForecasterSelection {
  readonly chosen: ForecasterKind;
  readonly reason: string;
  readonly folds: number;
  readonly originsPerFold: number;
  /** Season (steps) of seasonal-naive in the last fold; null when none was found. */
  readonly season: number | null;
  readonly candidates: readonly CandidateScore[];
}

/** Settings of {@link selectForecaster}. */
export interface SelectionOptions {
  readonly horizon: number;
  readonly sequenceLength: number;
  /** Folds at the end of the training span (default 3); fewer when the span is short. */
  readonly folds: number;
  /** Share of the usable origins the folds cover together. */
  readonly fraction: number;
  /** Season of seasonal-naive in steps; 0: detected in each fold's fitting span. */
  readonly season: number;
  /** A more complex candidate must beat the best simpler one by this share (0.02 = 2 %). */
  readonly margin: number;
}

/** What the selection needs of a trained network. */
export interface TrainedNetwork {
  readonly model: LstmNetwork;
  readonly spec: ForecasterSpec;
}

const MIN_FOLD_ORIGINS = 10;

/**
 * The base terms (one per step) of a simple forecaster fitted on `origins` (their targets
 * known): persistence, seasonal-naive (undefined without a season) or the DLinear-style
 * linear model (undefined when too few origins).
 */
export function simpleTerms(kind: Exclude<ForecasterKind, 'lstm'>, target: ArrayLike<number>, origins: readonly number[], o: { horizon: number; sequenceLength: number; season: number | undefined }): BaseTerm[] | undefined {
  if (kind === 'persistence') return Array.from({ length: o.horizon }, () => PERSISTENCE);
  if (kind === 'seasonal-naive') return o.season ? Array.from({ length: o.horizon }, () => ({ kind: 'mean', period: o.season!, count: 1 }) as BaseTerm) : undefined;
  return fitLinearTerms(target, origins, o.horizon, { lags: o.sequenceLength, season: o.season ?? 0 });
}

/** The season of the values before `end` (exclusive): configured, else detected. */
export function seasonOf(target: Float64Array, end: number, stepMs: number, configured: number): number | undefined {
  return configured > 0 ? configured : detectSeason(target.subarray(0, end), stepMs, Math.floor(end / 4));
}

/**
 * Rolling-origin validation inside the training span: the last `fraction` of `origins` is cut
 * into consecutive folds; for each fold every candidate is fitted on the data before the fold
 * (the network trained by `trainNetwork` on the series cut there) and forecasts every origin
 * of the fold, all steps. Scores are relative to persistence per fold, so a volatile fold does
 * not outweigh a calm one. The simplest candidate wins unless a more complex one is better by
 * more than `margin`: the network must earn its place on data it has not seen.
 */
export async function selectForecaster(
  series: AlignedSeries,
  origins: readonly number[],
  options: SelectionOptions,
  trainNetwork: (cut: AlignedSeries) => Promise<TrainedNetwork>,
): Promise<ForecasterSelection> {
  const target = series.columns[0]!;
  const H = options.horizon;
  const tail = Math.floor(origins.length * options.fraction);
  const folds = Math.min(options.folds, Math.floor(tail / MIN_FOLD_ORIGINS));
  const size = folds > 0 ? Math.floor(tail / folds) : 0;
  const scores = new Map<ForecasterKind, { mae: number[]; rel: number[]; note?: string }>(FORECASTER_KINDS.map((k) => [k, { mae: [], rel: [] }]));
  let season: number | undefined;
  for (let f = 0; f < folds; f++) {
    const fold = origins.slice(origins.length - (folds - f) * size, origins.length - (folds - f - 1) * size);
    const cut = fold[0]!;
    const fitOrigins = origins.filter((o) => o + H <= cut);
    season = seasonOf(target, cut + 1, series.stepMs, options.season);
    const predictions = new Map<ForecasterKind, Map<number, number[]>>();
    for (const kind of ['persistence', 'seasonal-naive', 'linear'] as const) {
      const terms = simpleTerms(kind, target, fitOrigins, { horizon: H, sequenceLength: options.sequenceLength, season });
      if (!terms) {
        scores.get(kind)!.note = kind === 'seasonal-naive' ? 'no season found' : 'too few origins to fit';
        continue;
      }
      predictions.set(kind, new Map(fold.map((o) => [o, terms.map((t, i) => baseValue(target, o, i + 1, t))])));
    }
    try {
      predictions.set('lstm', await networkForecasts(series, cut, fold, trainNetwork));
    } catch (err) {
      scores.get('lstm')!.note = `not trained before fold ${f + 1}: ${err instanceof Error ? err.message : String(err)}`;
    }
    // Every candidate is scored on the same origins: those where each of them has a forecast.
    const common = fold.filter((o) => [...predictions.values()].every((p) => p.get(o)?.every(Number.isFinite)));
    if (common.length === 0) continue;
    const maeOf = (p: Map<number, number[]>) => {
      let sum = 0;
      for (const o of common) p.get(o)!.forEach((v, i) => (sum += Math.abs(target[o + i + 1]! - v)));
      return sum / (common.length * H);
    };
    const persistence = maeOf(predictions.get('persistence')!);
    for (const [kind, p] of predictions) {
      const mae = maeOf(p);
      scores.get(kind)!.mae.push(mae);
      scores.get(kind)!.rel.push(persistence > 0 ? mae / persistence : mae > 0 ? Number.POSITIVE_INFINITY : 1);
    }
  }
  const evaluated = scores.get('persistence')!.rel.length;
  const candidates: CandidateScore[] = FORECASTER_KINDS.map((kind) => {
    const s = scores.get(kind)!;
    // Only a candidate scored on every fold competes.
    if (s.rel.length < evaluated || evaluated === 0) return { kind, mae: null, relativeMae: null, note: s.note ?? 'not evaluated' };
    return { kind, mae: mean(s.mae), relativeMae: mean(s.rel), ...(s.note ? { note: s.note } : {}) };
  });
  return { ...decide(candidates, options.margin, evaluated, size), folds: evaluated, originsPerFold: size, season: season ?? null, candidates };
}

function decide(candidates: readonly CandidateScore[], margin: number, folds: number, size: number): { chosen: ForecasterKind; reason: string } {
  if (folds === 0) return { chosen: 'persistence', reason: 'too little history for rolling-origin validation: persistence' };
  let best = candidates[0]!;
  for (const c of candidates.slice(1)) {
    if (c.relativeMae === null) continue;
    // Seasonal-naive is as simple as persistence; the fitted models must beat the best so far by the margin.
    const bar = c.kind === 'seasonal-naive' ? best.relativeMae! : best.relativeMae! * (1 - margin);
    if (c.relativeMae < bar) best = c;
  }
  const others = candidates
    .filter((c) => c !== best)
    .map((c) => `${c.kind} ${c.relativeMae === null ? `(${c.note ?? 'not evaluated'})` : fmt(c.relativeMae)}`)
    .join(', ');
  return {
    chosen: best.kind,
    reason: `${best.kind}: ${fmt(best.relativeMae!)}× persistence's MAE on ${folds} rolling-origin fold(s) of ${size} origins at the end of the training span (${others}); a fitted model must beat the best simpler one by ${Math.round(margin * 100)} %`,
  };
}

/** The network trained on the series up to `cut` (inclusive), forecasting every origin of `fold`. */
async function networkForecasts(series: AlignedSeries, cut: number, fold: readonly number[], trainNetwork: (cut: AlignedSeries) => Promise<TrainedNetwork>): Promise<Map<number, number[]>> {
  const trained = await trainNetwork({ ...series, columns: series.columns.map((c) => c.subarray(0, cut + 1)) });
  const { spec, model } = trained;
  const usable = new Set(usableOrigins(spec, series.columns));
  const origins = fold.filter((o) => usable.has(o));
  const windows = buildWindows(spec, series.columns, series.start, origins);
  const out = model.predict(windows.x, origins.length);
  const std = spec.scaler.std[0]!;
  return new Map(origins.map((o, w) => [o, stepBases(spec, series.columns[0]!, o).map((b, h) => b + out[w * spec.horizon + h]! * std)]));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function fmt(x: number): string {
  return x.toFixed(3);
}
