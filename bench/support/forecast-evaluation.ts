// The forecast bench's evaluation of one series, shared by `npm run bench -- forecast` and the
// forecast fields of `npm run bench -- telemetry-models`: train on the first 70 %, forecast the
// rest from every origin (rolling), compare with persistence and seasonal-naive computed here,
// and on NAB assess the failure risk against the labelled windows (lead time, false episodes).
import {
  alignSeries,
  exportForecasterToOnnx,
  DEFAULT_CROSSING_RULE,
  OnnxForecaster,
  trainForecaster,
  type CrossingRule,
  type AlignedSeries,
  type ForecasterSpec,
  type ForecastPoint,
  type OperatingLimits,
  type TrainOptions,
} from '@premonitor/forecasting';
import { round } from '@premonitor/testkit';
import { leadReport, limitCrossings, outsideRates, riskTrack, windowOutcomes, type LeadReport } from './forecast-risk.js';
import { delayEmbeddingScores } from './forecast-anomaly.js';
import type { BenchSeries } from './forecast-data.js';

/** Forecast horizon of the bench, steps. */
export const H = 12;
/** The service's default anomaly lookback (FORECAST_ANOMALY_LOOKBACK_MINUTES). */
const ANOMALY_LOOKBACK_MS = 30 * 60_000;

/** What the bench's command line decides for every series. */
export interface EvaluationSettings {
  /** Most training points (the latest of the first 70 %). */
  readonly maxTrain: number;
  /** Operating limits of the risk: the model's default normal range, or the training mean ± 3σ. */
  readonly limits: 'normal' | 'mean3sd';
}

/** Seasonal period: one day for minute-to-hour steps, else the strongest autocorrelation lag in [H+1, 600]. */
function seasonOf(series: AlignedSeries, trainEnd: number): number {
  if (series.stepMs >= 60_000 && series.stepMs <= 3_600_000) return Math.round(86_400_000 / series.stepMs);
  const y = Array.from(series.columns[0]!.subarray(0, trainEnd)).filter(Number.isFinite);
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  let best = { lag: H + 1, r: -Infinity };
  for (let lag = H + 1; lag <= Math.min(600, Math.floor(y.length / 2)); lag++) {
    let num = 0;
    let den = 0;
    for (let i = lag; i < y.length; i++) num += (y[i]! - m) * (y[i - lag]! - m);
    for (const v of y) den += (v - m) ** 2;
    if (num / den > best.r) best = { lag, r: num / den };
  }
  return best.lag;
}

/** Trains on the first 70 % of `s`, forecasts the rest from every origin, and (NAB) assesses the risk against the labelled windows. */
export async function evaluateSeries(s: BenchSeries, options: TrainOptions, settings: EvaluationSettings) {
  const series = alignSeries(s.inputs, { maxGapSteps: 5, targetKey: s.name });
  const n = series.columns[0]!.length;
  const split = Math.floor(n * 0.7);
  // Train on the first 70 % (at most the latest --max-train points of it).
  const from = Math.max(0, split - settings.maxTrain);
  const trainSeries: AlignedSeries = { ...series, start: series.start + from * series.stepMs, columns: series.columns.map((c) => c.slice(from, split)) };
  const keys = s.inputs.map((_, i) => (i === 0 ? 'target' : `x${i}`));
  const trained = await trainForecaster(trainSeries, keys, options);
  const onnx = await OnnxForecaster.load(exportForecasterToOnnx(trained.model, trained.spec, 'bench'), trained.spec);

  const y = series.columns[0]!;
  const m = seasonOf(series, split);
  const origins: number[] = [];
  for (let o = split - 1; o + H < n; o++) origins.push(o);
  const results: Awaited<ReturnType<OnnxForecaster['forecastAt']>> = [];
  for (let i = 0; i < origins.length; i += 2000) results.push(...(await onnx.forecastAt(series.columns, series.start, origins.slice(i, i + 2000))));
  const limits = benchLimits(trained.spec, settings);
  const err = { model: [] as number[], persistence: [] as number[], seasonal: [] as number[] };
  // Every step 1…H too: the choice is made on all steps, the headline ratio is the bench's step H.
  const all = { model: 0, persistence: 0, seasonal: 0, count: 0 };
  let inside = 0;
  let total = 0;
  origins.forEach((o, i) => {
    const points = results[i];
    const actual = y[o + H]!;
    if (!points || !Number.isFinite(actual)) return;
    const seasonalIdx = o + H - m * Math.ceil(H / m);
    if (!Number.isFinite(y[seasonalIdx]!)) return;
    err.model.push(points[H - 1]!.predicted - actual);
    err.persistence.push(y[o]! - actual);
    err.seasonal.push(y[seasonalIdx]! - actual);
    for (const p of points) {
      const a = y[o + p.step]!;
      if (Number.isFinite(a)) (total++, a >= p.lower && a <= p.upper && inside++);
      const analog = y[o + p.step - m * Math.ceil(p.step / m)]!;
      if (Number.isFinite(a) && Number.isFinite(analog)) {
        all.model += Math.abs(p.predicted - a);
        all.persistence += Math.abs(y[o]! - a);
        all.seasonal += Math.abs(analog - a);
        all.count++;
      }
    }
  });
  const mae = (e: number[]) => e.reduce((a, b) => a + Math.abs(b), 0) / e.length;
  const rmse = (e: number[]) => Math.sqrt(e.reduce((a, b) => a + b * b, 0) / e.length);
  const risk = s.source === 'nab' ? await nabRisk(s, series, onnx, origins, results, limits, from, split, trained.metrics.validationStart) : undefined;
  return {
    onnx,
    series,
    row: {
      name: s.name,
      step_s: series.stepMs / 1000,
      test_origins: err.model.length,
      mae: round(mae(err.model), 4),
      rmse: round(rmse(err.model), 4),
      persistence_mae: round(mae(err.persistence), 4),
      persistence_rmse: round(rmse(err.persistence), 4),
      seasonal_naive_mae: round(mae(err.seasonal), 4),
      season: m,
      ratio: round(mae(err.model) / mae(err.persistence), 3),
      // The model against the better of the two naive forecasts, each measured here on the test part.
      ratio_vs_best_naive: round(mae(err.model) / Math.min(mae(err.persistence), mae(err.seasonal)), 3),
      ratio_vs_best_naive_all_steps: round(all.model / Math.min(all.persistence, all.seasonal), 3),
      chosen: trained.metrics.chosen ?? 'lstm',
      selection: trained.metrics.selection ? Object.fromEntries(trained.metrics.selection.candidates.map((c) => [c.kind, c.relativeMae === null ? null : round(c.relativeMae, 3)])) : null,
      seasonal_ratio: round(mae(err.model) / mae(err.seasonal), 3),
      coverage90: round(inside / total, 3),
      // Validation (inside the training 70 %): what design choices may be judged on, never the test part.
      val_ratio: round(trained.metrics.valMaeAtHorizon / trained.metrics.persistenceMaeAtHorizon, 3),
      val_coverage90: round(trained.metrics.intervalCoverage, 3),
      epochs: trained.metrics.epochsRun,
      base_at_horizon: describeBase(trained.spec.base?.[H - 1] ?? null),
      base_val_mae: trained.metrics.baseComparison ?? null,
      ...(risk ?? {}),
    },
  };
}

/**
 * Over all series: median lead before the windows warned of (and how many were), before the
 * labelled anomalies (window centres) and before real limit crossings, and false high episodes
 * per week (all, and those after which no limit was crossed either).
 */
export function summariseLeads(reports: readonly LeadReport[]) {
  const median = (values: readonly (number | null)[]) => {
    const v = values.filter((l): l is number => l !== null).sort((a, b) => a - b);
    return v.length === 0 ? null : round(v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2, 1);
  };
  const all = reports.flatMap((r) => r.leads);
  const crossings = reports.flatMap((r) => r.crossingLeads);
  const weeks = reports.reduce((a, r) => a + r.weeks, 0);
  return {
    median_lead_h: median(all),
    warned: `${all.filter((l) => l !== null).length}/${all.length}`,
    median_lead_to_anomaly_h: median(reports.flatMap((r) => r.anomalyLeads)),
    median_lead_to_crossing_h: median(crossings),
    crossings_warned: `${crossings.filter((l) => l !== null).length}/${crossings.length}`,
    false_per_week: round(reports.reduce((a, r) => a + r.falseEpisodes, 0) / Math.max(weeks, 1e-9), 2),
    false_no_crossing_per_week: round(reports.reduce((a, r) => a + r.falseEpisodesNoCrossing, 0) / Math.max(weeks, 1e-9), 2),
  };
}

/** A step's base for the log: a linear term without its weights. */
export function describeBase(term: ForecasterSpec['base'] extends readonly (infer T)[] | undefined ? T | null : never): string {
  if (term === null) return 'null';
  return term.kind === 'linear' ? `linear(lags ${term.lags}, season ${term.season})` : JSON.stringify(term);
}

/**
 * The operating limits risk is judged against: the model's default (where normal operation in
 * the training span ends, as the service uses when none are configured), or `--limits mean3sd`,
 * the training mean ± 3σ the bench used before.
 */
function benchLimits(spec: ForecasterSpec, settings: EvaluationSettings): Required<OperatingLimits> {
  if (settings.limits === 'mean3sd') return { low: spec.scaler.mean[0]! - 3 * spec.scaler.std[0]!, high: spec.scaler.mean[0]! + 3 * spec.scaler.std[0]! };
  return spec.defaultLimits;
}

/**
 * NAB risk: per labelled window in the test part, whether the level reached high; outside the
 * windows, how often it was high and how often a limit was really crossed within H steps; the
 * same two rates on the validation part of the training span (after the limits were fitted),
 * which is what the limit rule was chosen on.
 */
async function nabRisk(s: BenchSeries, series: AlignedSeries, onnx: OnnxForecaster, origins: number[], results: (ForecastPoint[] | undefined)[], limits: Required<OperatingLimits>, from: number, split: number, validationStart: number) {
  const y = series.columns[0]!;
  // Risk needs no future value, so it is also assessed from the last H origins, whose targets
  // lie past the end of the file (the MAE cannot use them): ec2's last window holds its anomaly
  // only in the file's last 9 steps.
  const tail = Array.from({ length: H }, (_, i) => origins[origins.length - 1]! + 1 + i).filter((o) => o < y.length);
  const testOrigins = [...origins, ...tail];
  const testForecasts = [...results, ...(await onnx.forecastAt(series.columns, series.start, tail))];
  // Risk that warns ahead: the same forecasts with the device's anomaly score combined in as the
  // service does (its mean over the service's default 30-minute lookback, at least one step).
  const scores = delayEmbeddingScores(y, from, split);
  const k = Math.max(1, Math.round(ANOMALY_LOOKBACK_MS / series.stepMs));
  const anomalyAt = (o: number) => {
    const recent = Array.from({ length: k }, (_, i) => scores[o - i]!).filter(Number.isFinite);
    return recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
  };
  const testFrom = series.start + split * series.stepMs;
  const testTo = series.start + (y.length - 1) * series.stepMs;
  const crossings = limitCrossings(y, series.start, series.stepMs, limits, split);
  const valOrigins: number[] = [];
  for (let o = Math.ceil((validationStart - series.start) / series.stepMs); o + H < split; o++) if (o >= from) valOrigins.push(o);
  const valForecasts = await onnx.forecastAt(series.columns, series.start, valOrigins);
  // The validation part has no labelled window: its false episodes per week and its lead before
  // real limit crossings are what the crossing rule may be judged on (never the test part).
  const valFrom = series.start + (valOrigins[0] ?? split) * series.stepMs;
  const valCrossings = limitCrossings(y.subarray(0, split), series.start, series.stepMs, limits, valOrigins[0] ?? split);
  const byRule = (crossing: CrossingRule) => {
    const test = riskTrack(y, series.start, series.stepMs, testOrigins, testForecasts, limits, undefined, crossing);
    const combined = riskTrack(y, series.start, series.stepMs, testOrigins, testForecasts, limits, anomalyAt, crossing);
    const val = riskTrack(y, series.start, series.stepMs, valOrigins, valForecasts, limits, undefined, crossing);
    const valCombined = riskTrack(y, series.start, series.stepMs, valOrigins, valForecasts, limits, anomalyAt, crossing);
    const valTo = series.start + (split - 1) * series.stepMs;
    return {
      test,
      val,
      lead: { forecast: leadReport(test, s.windows, testFrom, testTo, crossings), combined: leadReport(combined, s.windows, testFrom, testTo, crossings) },
      valLead: { forecast: leadReport(val, [], valFrom, valTo, valCrossings), combined: leadReport(valCombined, [], valFrom, valTo, valCrossings) },
    };
  };
  const shipped = byRule(DEFAULT_CROSSING_RULE);
  const before = byRule('marginal');
  const { test, val } = shipped;
  const outside = outsideRates(test, s.windows);
  const valOutside = outsideRates(val, s.windows);
  return {
    limits: { low: round(limits.low, 3), high: round(limits.high, 3) },
    risk_windows: windowOutcomes(test, s.windows, series.start + split * series.stepMs),
    high_outside_rate: outside.high,
    crossed_outside_rate: outside.crossed,
    val_high_rate: valOutside.high,
    val_crossed_rate: valOutside.crossed,
    val_high_rate_before: outsideRates(before.val, s.windows).high,
    risk_lead: shipped.lead,
    risk_lead_before: before.lead,
    val_risk_lead: shipped.valLead,
    val_risk_lead_before: before.valLead,
  };
}

