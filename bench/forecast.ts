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
  OnnxForecaster,
  trainForecaster,
  type AlignedSeries,
  type TrainOptions,
} from '@premonitor/forecasting';
import type { LeadReport } from './support/forecast-risk.js';
import { evaluateSeries, H, summariseLeads, type EvaluationSettings } from './support/forecast-evaluation.js';
import { loadNab, loadSkabColumns, NAB_FILES, type BenchSeries } from './support/forecast-data.js';
import { percentile, round } from '@premonitor/testkit';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '42,7,1234' }, forecaster: { type: 'string', default: 'auto' }, epochs: { type: 'string', default: '40' }, only: { type: 'string' }, 'max-train': { type: 'string', default: '4000' }, batch: { type: 'string', default: '128' }, base: { type: 'string', default: 'chosen' }, 'skab-files': { type: 'string', default: '0-15' }, limits: { type: 'string', default: 'normal' }, 'limit-quantile': { type: 'string', default: String(DEFAULT_NORMAL_RANGE_RULE.quantile) }, 'limit-margin': { type: 'string', default: String(DEFAULT_NORMAL_RANGE_RULE.iqrMargin) } } });
if (args.limits !== 'normal' && args.limits !== 'mean3sd') throw new Error(`--limits must be normal or mean3sd, not '${args.limits}'`);
if (!['auto', 'persistence', 'seasonal-naive', 'linear', 'lstm'].includes(args.forecaster!)) throw new Error(`--forecaster must be auto, persistence, seasonal-naive, linear or lstm, not '${args.forecaster}'`);
const SEEDS = args.seeds!.split(',').map(Number);
if (SEEDS.length === 0 || SEEDS.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must list whole numbers, not '${args.seeds}'`);
const SKAB_SENSORS = ['Accelerometer1RMS', 'Current', 'Pressure', 'Temperature', 'Volume Flow RateRMS'];

async function loadAll(): Promise<BenchSeries[]> {
  const out: BenchSeries[] = [];
  for (const f of NAB_FILES) out.push(await loadNab(f));
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

async function main(): Promise<void> {
  const batchSize = Number(args.batch);
  const normalRange = { quantile: Number(args['limit-quantile']), iqrMargin: Number(args['limit-margin']) };
  const base: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: Number(args.epochs), batchSize, seasonalBase: args.base !== 'persistence', normalRange, forecaster: args.forecaster as TrainOptions['forecaster'] };
  const settings: EvaluationSettings = { maxTrain: Number(args['max-train']), limits: args.limits as EvaluationSettings['limits'] };
  const all = await loadAll();
  const rows = [];
  const spread: { name: string; chosen: string[]; ratio_vs_best_naive: number[]; min: number; max: number; spread: number }[] = [];
  const leads: { forecast: LeadReport; combined: LeadReport }[] = [];
  // The same risk under the crossing rule before issue 15 ('marginal'), and both on the validation parts.
  const leadsBefore: LeadReport[] = [];
  const valLeads: LeadReport[] = [];
  const valLeadsBefore: LeadReport[] = [];
  let latencySource: { onnx: OnnxForecaster; series: AlignedSeries } | undefined;
  for (const s of all) {
    const ratios: number[] = [];
    const chosen: string[] = [];
    for (const seed of SEEDS) {
      const t = performance.now();
      const { onnx, series, row } = await evaluateSeries(s, { ...base, seed }, settings);
      console.log(
        `${row.name} (seed ${seed}): chosen ${row.chosen} ${JSON.stringify(row.selection)}; MAE@${H} ${row.mae} vs persistence ${row.persistence_mae} (ratio ${row.ratio}), seasonal-naive ${row.seasonal_naive_mae} (season ${row.season}), vs best naive ${row.ratio_vs_best_naive} (all steps ${row.ratio_vs_best_naive_all_steps}), coverage90 ${row.coverage90} (validation: ratio ${row.val_ratio}, coverage90 ${row.val_coverage90}), epochs ${row.epochs}, base@${H} ${row.base_at_horizon}, ${round((performance.now() - t) / 1000, 1)} s`,
      );
      if ('risk_windows' in row && seed === SEEDS[0]) {
        console.log(
          `  risk (limits ${JSON.stringify(row.limits)}): windows ${JSON.stringify(row.risk_windows)}, high outside windows ${row.high_outside_rate} (a limit actually crossed within ${H} steps: ${row.crossed_outside_rate}); validation: high ${row.val_high_rate}, crossed ${row.val_crossed_rate}`,
        );
        const lead = row.risk_lead!;
        console.log(`  risk lead (h before each labelled window starts; null = never high): forecast only ${JSON.stringify(lead.forecast.leads)}, ${lead.forecast.falsePerWeek} false high episodes/week; with the anomaly score ${JSON.stringify(lead.combined.leads)}, ${lead.combined.falsePerWeek} false high episodes/week (${lead.combined.weeks} weeks)`);
        console.log(`  with the anomaly score: lead before each labelled anomaly (window centre) ${JSON.stringify(lead.combined.anomalyLeads)}; before each real limit crossing ${JSON.stringify(lead.combined.crossingLeads)}; false episodes not followed by a crossing either: ${lead.combined.falseEpisodesNoCrossing} of ${lead.combined.falseEpisodes}`);
        const was = row.risk_lead_before!.combined;
        const v = row.val_risk_lead!.combined;
        const vb = row.val_risk_lead_before!.combined;
        console.log(`  crossing rule before (marginal), with the anomaly score: leads ${JSON.stringify(was.leads)}, to anomaly ${JSON.stringify(was.anomalyLeads)}, before each crossing ${JSON.stringify(was.crossingLeads)}, ${was.falsePerWeek} false high episodes/week (${was.falseEpisodesNoCrossing} of ${was.falseEpisodes} not followed by a crossing)`);
        console.log(`  validation (no labelled window; ${v.weeks} weeks): high episodes/week ${vb.falsePerWeek} → ${v.falsePerWeek} (not followed by a crossing ${vb.falseEpisodesNoCrossing} → ${v.falseEpisodesNoCrossing}), lead before each crossing ${JSON.stringify(vb.crossingLeads)} → ${JSON.stringify(v.crossingLeads)}; high at ${row.val_high_rate_before} → ${row.val_high_rate} of origins`);
        leads.push(lead);
        leadsBefore.push(was);
        valLeads.push(v);
        valLeadsBefore.push(vb);
      }
      ratios.push(row.ratio_vs_best_naive);
      chosen.push(row.chosen);
      rows.push({ ...row, seed });
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
  const risk = { forecast: summariseLeads(leads.map((l) => l.forecast)), combined: summariseLeads(leads.map((l) => l.combined)), before: summariseLeads(leadsBefore) };
  const validation = { before: summariseLeads(valLeadsBefore), after: summariseLeads(valLeads) };
  console.log(`risk lead over the NAB windows (seed ${SEEDS[0]}): forecast only ${JSON.stringify(risk.forecast)}; forecast + anomaly score ${JSON.stringify(risk.combined)}; the same with the crossing rule before ${JSON.stringify(risk.before)}`);
  console.log(`risk on the NAB validation parts (forecast + anomaly score; no labelled windows, so every high episode counts as false): rule before ${JSON.stringify(validation.before)}; now ${JSON.stringify(validation.after)}`);
  console.log(`worst MAE@${H} ÷ best naive over series and seeds: ${worstVsNaive}; largest spread over seeds: ${seedSpread}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine: times are noisy, ratios are not)`);
  console.log(JSON.stringify({ bench: 'forecast', series: rows, seeds: spread, worst_ratio: worst, forecast_worst_ratio_vs_best_naive: worstVsNaive, seed_spread: seedSpread, risk_lead_h: risk.combined.median_lead_h, risk_windows_warned: risk.combined.warned, risk_false_high_per_week: risk.combined.false_per_week, risk_lead_to_anomaly_h: risk.combined.median_lead_to_anomaly_h, risk_lead_to_crossing_h: risk.combined.median_lead_to_crossing_h, risk_crossings_warned: risk.combined.crossings_warned, risk_false_no_crossing_per_week: risk.combined.false_no_crossing_per_week, risk_lead_h_forecast_only: risk.forecast.median_lead_h, risk_false_high_per_week_forecast_only: risk.forecast.false_per_week, risk_before: risk.before, risk_validation: validation, train_s: round(trainS, 2), train_auto_s: round(autoS, 2), train_cpu_s: round(trainCpuS, 2), train_batch_size: batchSize, predict_p99_ms: round(p99, 3) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
