// Forecast bench: `npm run bench -- forecast [--epochs N] [--batch N] [--max-train N] [--only substring]
//   [--limits normal|mean3sd] [--limit-quantile 0.005] [--limit-margin 1.5]`.
// On the NAB files and SKAB valve1 sensors: train on the first 70 %, forecast the rest from
// every origin (rolling), and compare MAE/RMSE at the full horizon with persistence and
// seasonal-naive computed here; interval coverage; NAB risk inside vs outside the labelled
// windows; training time (1,000 points, 20 epochs, 32 units) and single-forecast latency.
// Last line: one JSON object.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  alignSeries,
  DEFAULT_NORMAL_RANGE_RULE,
  DEFAULT_TRAIN_OPTIONS,
  exportForecasterToOnnx,
  OnnxForecaster,
  trainForecaster,
  type AlignedSeries,
  type ForecasterSpec,
  type ForecastPoint,
  type OperatingLimits,
  type TrainOptions,
} from '@premonitor/forecasting';
import { leadReport, outsideRates, riskTrack, windowOutcomes, type LeadReport } from './support/forecast-risk.js';
import { delayEmbeddingScores } from './support/forecast-anomaly.js';
import { loadNab, loadSkabColumns, type BenchSeries } from './support/forecast-data.js';
import { percentile, round } from '@premonitor/testkit';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '42,7,1234' }, forecaster: { type: 'string', default: 'auto' }, epochs: { type: 'string', default: '40' }, only: { type: 'string' }, 'max-train': { type: 'string', default: '4000' }, batch: { type: 'string', default: '128' }, base: { type: 'string', default: 'chosen' }, 'skab-files': { type: 'string', default: '0-15' }, limits: { type: 'string', default: 'normal' }, 'limit-quantile': { type: 'string', default: String(DEFAULT_NORMAL_RANGE_RULE.quantile) }, 'limit-margin': { type: 'string', default: String(DEFAULT_NORMAL_RANGE_RULE.iqrMargin) } } });
if (args.limits !== 'normal' && args.limits !== 'mean3sd') throw new Error(`--limits must be normal or mean3sd, not '${args.limits}'`);
if (!['auto', 'persistence', 'seasonal-naive', 'linear', 'lstm'].includes(args.forecaster!)) throw new Error(`--forecaster must be auto, persistence, seasonal-naive, linear or lstm, not '${args.forecaster}'`);
const SEEDS = args.seeds!.split(',').map(Number);
if (SEEDS.length === 0 || SEEDS.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must list whole numbers, not '${args.seeds}'`);
const H = 12;
/** The service's default anomaly lookback (FORECAST_ANOMALY_LOOKBACK_MINUTES). */
const ANOMALY_LOOKBACK_MS = 30 * 60_000;
const SKAB_SENSORS = ['Accelerometer1RMS', 'Current', 'Pressure', 'Temperature', 'Volume Flow RateRMS'];

async function loadAll(): Promise<BenchSeries[]> {
  const out: BenchSeries[] = [];
  for (const f of ['ambient_temperature_system_failure.csv', 'cpu_utilization_asg_misconfiguration.csv', 'ec2_request_latency_system_failure.csv']) out.push(await loadNab(f));
  // SKAB valve1: its experiments 0–15 are consecutive 20-minute recordings of one rig on one
  // day (10:14–15:34), so they are read as one series; `--skab-files 1` reads experiment 1 alone.
  const files = skabFiles(args['skab-files']!);
  const skab = await loadSkabColumns(files.map((f) => `valve1/${f}.csv`));
  const tag = `valve1-${args['skab-files']}`;
  for (const s of SKAB_SENSORS) out.push({ name: `skab/${tag}/${s}`, source: 'skab', inputs: [skab.get(s)!], windows: [] });
  // Multivariate: pressure from the pump's vibration, current, temperature and flow.
  out.push({ name: `skab/${tag}/Pressure+pump`, source: 'skab', inputs: ['Pressure', 'Accelerometer1RMS', 'Current', 'Temperature', 'Volume Flow RateRMS'].map((k) => skab.get(k)!), windows: [] });
  return out.filter((s) => !args.only || s.name.includes(args.only));
}

/** `0-15` → 0, 1, …, 15; `1` → 1; `0,3` → 0, 3. */
function skabFiles(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
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

async function evaluate(s: BenchSeries, options: TrainOptions) {
  const series = alignSeries(s.inputs, { maxGapSteps: 5, targetKey: s.name });
  const n = series.columns[0]!.length;
  const split = Math.floor(n * 0.7);
  // Train on the first 70 % (at most the latest --max-train points of it).
  const from = Math.max(0, split - Number(args['max-train']));
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
  const limits = benchLimits(trained.spec);
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
      base_at_horizon: trained.spec.base?.[H - 1] ?? null,
      base_val_mae: trained.metrics.baseComparison ?? null,
      ...(risk ?? {}),
    },
  };
}

/** Median lead over the windows that were warned of, how many were, and false high episodes per week over all series. */
function summariseLeads(reports: readonly LeadReport[]) {
  const all = reports.flatMap((r) => r.leads);
  const warned = all.filter((l): l is number => l !== null).sort((a, b) => a - b);
  const median = warned.length === 0 ? null : warned.length % 2 ? warned[warned.length >> 1]! : (warned[warned.length / 2 - 1]! + warned[warned.length / 2]!) / 2;
  const weeks = reports.reduce((a, r) => a + r.weeks, 0);
  return { median_lead_h: median === null ? null : round(median, 1), warned: `${warned.length}/${all.length}`, false_per_week: round(reports.reduce((a, r) => a + r.falseEpisodes, 0) / Math.max(weeks, 1e-9), 2) };
}

/** A step's base for the log: a linear term without its weights. */
function describeBase(term: ForecasterSpec['base'] extends readonly (infer T)[] | undefined ? T | null : never): string {
  if (term === null) return 'null';
  return term.kind === 'linear' ? `linear(lags ${term.lags}, season ${term.season})` : JSON.stringify(term);
}

/**
 * The operating limits risk is judged against: the model's default (where normal operation in
 * the training span ends, as the service uses when none are configured), or `--limits mean3sd`,
 * the training mean ± 3σ the bench used before.
 */
function benchLimits(spec: ForecasterSpec): Required<OperatingLimits> {
  if (args.limits === 'mean3sd') return { low: spec.scaler.mean[0]! - 3 * spec.scaler.std[0]!, high: spec.scaler.mean[0]! + 3 * spec.scaler.std[0]! };
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
  const test = riskTrack(y, series.start, series.stepMs, testOrigins, testForecasts, limits);
  // Risk that warns ahead: the same forecasts with the device's anomaly score combined in as the
  // service does (its mean over the service's default 30-minute lookback, at least one step).
  const scores = delayEmbeddingScores(y, from, split);
  const k = Math.max(1, Math.round(ANOMALY_LOOKBACK_MS / series.stepMs));
  const anomalyAt = (o: number) => {
    const recent = Array.from({ length: k }, (_, i) => scores[o - i]!).filter(Number.isFinite);
    return recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
  };
  const combined = riskTrack(y, series.start, series.stepMs, testOrigins, testForecasts, limits, anomalyAt);
  const testFrom = series.start + split * series.stepMs;
  const testTo = series.start + (y.length - 1) * series.stepMs;
  const valOrigins: number[] = [];
  for (let o = Math.ceil((validationStart - series.start) / series.stepMs); o + H < split; o++) if (o >= from) valOrigins.push(o);
  const val = riskTrack(y, series.start, series.stepMs, valOrigins, await onnx.forecastAt(series.columns, series.start, valOrigins), limits);
  const outside = outsideRates(test, s.windows);
  const valOutside = outsideRates(val, s.windows);
  return {
    limits: { low: round(limits.low, 3), high: round(limits.high, 3) },
    risk_windows: windowOutcomes(test, s.windows, series.start + split * series.stepMs),
    high_outside_rate: outside.high,
    crossed_outside_rate: outside.crossed,
    val_high_rate: valOutside.high,
    val_crossed_rate: valOutside.crossed,
    risk_lead: { forecast: leadReport(test, s.windows, testFrom, testTo), combined: leadReport(combined, s.windows, testFrom, testTo) },
  };
}

async function main(): Promise<void> {
  const batchSize = Number(args.batch);
  const normalRange = { quantile: Number(args['limit-quantile']), iqrMargin: Number(args['limit-margin']) };
  const base: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: Number(args.epochs), batchSize, seasonalBase: args.base !== 'persistence', normalRange, forecaster: args.forecaster as TrainOptions['forecaster'] };
  const all = await loadAll();
  const rows = [];
  const spread: { name: string; chosen: string[]; ratio_vs_best_naive: number[]; min: number; max: number; spread: number }[] = [];
  const leads: { forecast: LeadReport; combined: LeadReport }[] = [];
  let latencySource: { onnx: OnnxForecaster; series: AlignedSeries } | undefined;
  for (const s of all) {
    const ratios: number[] = [];
    const chosen: string[] = [];
    for (const seed of SEEDS) {
      const t = performance.now();
      const { onnx, series, row } = await evaluate(s, { ...base, seed });
      console.log(
        `${row.name} (seed ${seed}): chosen ${row.chosen} ${JSON.stringify(row.selection)}; MAE@${H} ${row.mae} vs persistence ${row.persistence_mae} (ratio ${row.ratio}), seasonal-naive ${row.seasonal_naive_mae} (season ${row.season}), vs best naive ${row.ratio_vs_best_naive} (all steps ${row.ratio_vs_best_naive_all_steps}), coverage90 ${row.coverage90} (validation: ratio ${row.val_ratio}, coverage90 ${row.val_coverage90}), epochs ${row.epochs}, base@${H} ${describeBase(row.base_at_horizon)}, ${round((performance.now() - t) / 1000, 1)} s`,
      );
      if ('risk_windows' in row && seed === SEEDS[0]) {
        console.log(
          `  risk (limits ${JSON.stringify(row.limits)}): windows ${JSON.stringify(row.risk_windows)}, high outside windows ${row.high_outside_rate} (a limit actually crossed within ${H} steps: ${row.crossed_outside_rate}); validation: high ${row.val_high_rate}, crossed ${row.val_crossed_rate}`,
        );
        const lead = row.risk_lead!;
        console.log(`  risk lead (h before each labelled window starts; null = never high): forecast only ${JSON.stringify(lead.forecast.leads)}, ${lead.forecast.falsePerWeek} false high episodes/week; with the anomaly score ${JSON.stringify(lead.combined.leads)}, ${lead.combined.falsePerWeek} false high episodes/week (${lead.combined.weeks} weeks)`);
        leads.push(lead);
      }
      ratios.push(row.ratio_vs_best_naive);
      chosen.push(row.chosen);
      rows.push({ ...row, seed, base_at_horizon: describeBase(row.base_at_horizon) });
      if (latencySource) await onnx.release();
      else latencySource = { onnx, series };
    }
    const min = Math.min(...ratios);
    const max = Math.max(...ratios);
    spread.push({ name: s.name, chosen, ratio_vs_best_naive: ratios, min, max, spread: round(max - min, 3) });
    console.log(`${s.name}: MAE@${H} ÷ best naive over seeds ${SEEDS.join(', ')}: ${ratios.join(', ')} (spread ${round(max - min, 3)}), chosen ${chosen.join(', ')}`);
  }

  // Training cost as published for the reference engine: 1,000 points, 20 epochs, 32 units, no early stop.
  const nab = await loadNab('ambient_temperature_system_failure.csv');
  const thousand = alignSeries([nab.inputs[0]!.slice(0, 1000)], { maxGapSteps: 5, targetKey: 'ambient' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const timed = await trainForecaster(thousand, ['ambient'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 20, units: 32, batchSize, patience: 1000, seed: 1, forecaster: 'lstm' });
  const trainS = (performance.now() - t0) / 1000;
  // CPU time too: on a shared machine the wall time mostly measures the neighbours.
  const cpu = process.cpuUsage(cpu0);
  const trainCpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`training: 1,000 points, 20 epochs, 32 units, batch ${batchSize}: ${round(trainS, 2)} s wall, ${round(trainCpuS, 2)} s CPU (${timed.metrics.epochsRun} epochs)`);
  // The same with the choice (the service's default): the network is trained once per fold too.
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  const auto = await trainForecaster(thousand, ['ambient'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 20, units: 32, batchSize, patience: 1000, seed: 1 });
  const autoCpu = process.cpuUsage(cpu1);
  const autoS = (performance.now() - t1) / 1000;
  console.log(`training with the rolling-origin choice (${auto.metrics.selection?.folds} folds, chosen ${auto.metrics.chosen}): ${round(autoS, 2)} s wall, ${round((autoCpu.user + autoCpu.system) / 1e6, 2)} s CPU`);

  // One forecast as the API makes it: a single window through onnxruntime.
  const latencies: number[] = [];
  if (latencySource) {
    const end = latencySource.series.columns[0]!.length - 1;
    for (let i = 0; i < 520; i++) {
      const t = performance.now();
      await latencySource.onnx.forecastAt(latencySource.series.columns, latencySource.series.start, [end - (i % 50)]);
      if (i >= 20) latencies.push(performance.now() - t);
    }
    await latencySource.onnx.release();
  }
  const p99 = percentile(latencies, 99);
  console.log(`predict: p50 ${round(percentile(latencies, 50), 3)} ms, p99 ${round(p99, 3)} ms over ${latencies.length} single forecasts`);
  const worst = Math.max(...rows.map((r) => r.ratio));
  const worstVsNaive = Math.max(...rows.map((r) => r.ratio_vs_best_naive));
  const seedSpread = Math.max(...spread.map((r) => r.spread));
  const risk = { forecast: summariseLeads(leads.map((l) => l.forecast)), combined: summariseLeads(leads.map((l) => l.combined)) };
  console.log(`risk lead over the NAB windows (seed ${SEEDS[0]}): forecast only ${JSON.stringify(risk.forecast)}; forecast + anomaly score ${JSON.stringify(risk.combined)}`);
  console.log(`worst MAE@${H} ÷ best naive over series and seeds: ${worstVsNaive}; largest spread over seeds: ${seedSpread}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine: times are noisy, ratios are not)`);
  console.log(JSON.stringify({ bench: 'forecast', series: rows, seeds: spread, worst_ratio: worst, forecast_worst_ratio_vs_best_naive: worstVsNaive, seed_spread: seedSpread, risk_lead_h: risk.combined.median_lead_h, risk_windows_warned: risk.combined.warned, risk_false_high_per_week: risk.combined.false_per_week, risk_lead_h_forecast_only: risk.forecast.median_lead_h, risk_false_high_per_week_forecast_only: risk.forecast.false_per_week, train_s: round(trainS, 2), train_auto_s: round(autoS, 2), train_cpu_s: round(trainCpuS, 2), train_batch_size: batchSize, predict_p99_ms: round(p99, 3) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
