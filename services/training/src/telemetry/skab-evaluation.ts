import { fitFamilies } from './window-detectors.js';
import { channelChoices } from './channel-selection.js';
import type { ChannelChoice } from './channel-selection.js';
import type { FittedModels } from './window-detectors.js';
import { bestChoice, candidates, caseCounts, leaveOneCaseOut } from './family-selection.js';
import type { DetectorChoice, LeaveOneOut, ScoredCase } from './family-selection.js';
import { addCounts, outlierScores } from './outlier-metrics.js';
import type { OutlierScores } from './outlier-metrics.js';
import type { SkabSeries } from './skab-data.js';
import { SKAB_CHANNELS } from './skab-data.js';
import type { TelemetryPlan } from './telemetry-plan.js';
import type { ProgressSink } from '../training-progress.js';

/**
 * SKAB's published outlier-detection F1 (the range over its leaderboard versions, all SKAB
 * files), as quoted in issue 15, for the side-by-side table. Not measured here.
 */
export const SKAB_LEADERBOARD: readonly { readonly name: string; readonly f1: string }[] = [
  { name: 'Conv-AE', f1: '0.78-0.79' },
  { name: 'MSET', f1: '0.73-0.78' },
  { name: 'PCA T²+Q', f1: '0.67-0.76' },
  { name: 'LSTM-AE', f1: '0.68-0.74' },
  { name: 'Isolation Forest', f1: '0.29-0.40' },
];

/** The SKAB evaluation: leave-one-file-out selection, per family fixed recipes, per file rows. */
export interface SkabEvaluation {
  readonly lofo: LeaveOneOut;
  /** The choice that is best over all files: what a model for a new rig of this kind would use. */
  readonly selected: { readonly choice: DetectorChoice; readonly inSample: OutlierScores };
  /** Each family's best choice over all files (in-sample, for the comparison only). */
  readonly perFamily: readonly { readonly choice: DetectorChoice; readonly scores: OutlierScores }[];
  /** Spread of the held-out per-file figures. */
  readonly spread: { readonly f1: Spread; readonly far: Spread };
  /** Models fitted per file, kept for the parity checks of the exported graph. */
  readonly fitted: readonly FittedModels[];
  readonly cases: readonly ScoredCase[];
  /** The channel sets tried (from the healthy starts of the experiments, no labels). */
  readonly sets: readonly ChannelChoice[];
}

/** min / median / max / mean of per-file values (NaN files left out). */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * SKAB's protocol: in each experiment, fit every family on its first `skabTrainRows` rows and
 * score the rest. The family, threshold margin and run length are chosen by leave-one-file-out
 * validation; per-file figures are those of the held-out file under the choice made without it.
 */
export async function evaluateSkab(experiments: readonly SkabSeries[], plan: TelemetryPlan, log: ProgressSink, withConvAe = true): Promise<SkabEvaluation> {
  const fitted: FittedModels[] = [];
  const cases: ScoredCase[] = [];
  const c = SKAB_CHANNELS.length;
  const sets = channelChoices(experiments.map((s) => s.rows.subarray(0, plan.skabTrainRows * c)), c, plan.detector.maxLag1);
  log(`  channel sets: ${sets.map((s) => `${s.set} = ${s.channels.map((k) => SKAB_CHANNELS[k]).join(', ')}`).join('; ')}`);
  for (const series of experiments) {
    const t0 = performance.now();
    const models = await fitFamilies(series.rows, c, plan.skabTrainRows, plan.detector, plan.seed, { withConvAe, sets });
    fitted.push(models);
    cases.push({ name: series.name, labels: series.labels, testFrom: plan.skabTrainRows, families: models.families });
    log(`  ${series.name}: ${series.labels.length} rows, fitted ${models.families.length} families in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const lofo = leaveOneCaseOut(cases, plan.grid);
  const options = candidates(cases, plan.grid);
  const best = bestChoice(cases, options);
  const perFamily = [...new Set(options.map((o) => o.family))].map((family) => {
    const r = bestChoice(cases, options.filter((o) => o.family === family));
    return { choice: r.choice, scores: outlierScores(addCounts(cases.map((c) => caseCounts(c, r.choice)))) };
  });
  return {
    lofo,
    selected: { choice: best.choice, inSample: best.scores },
    perFamily,
    spread: { f1: spread(lofo.folds.map((f) => f.scores.f1)), far: spread(lofo.folds.map((f) => f.scores.far)) },
    fitted,
    cases,
    sets,
  };
}

function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const mid = v.length / 2;
  return { min: v[0]!, median: v.length % 2 ? v[Math.floor(mid)]! : (v[mid - 1]! + v[mid]!) / 2, max: v[v.length - 1]!, mean: v.reduce((a, b) => a + b, 0) / v.length };
}

/** Table lines: held-out results per file, the pooled figure, each family, the leaderboard. */
export function skabTable(e: SkabEvaluation): string[] {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const choice = (c: DetectorChoice): string => `${c.family} ×${c.margin} run ${c.run}`;
  return [
    'SKAB valve1, leave-one-file-out (choice made on the other 15 files, scored on the held-out file after its first 400 rows):',
    '  file        F1     FAR      MAR      choice',
    ...e.lofo.folds.map((f) => `  ${f.name.padEnd(10)}  ${f.scores.f1.toFixed(3)}  ${pct(f.scores.far).padStart(7)}  ${pct(f.scores.mar).padStart(7)}  ${choice(f.choice)}`),
    `  pooled      ${e.lofo.overall.f1.toFixed(3)}  ${pct(e.lofo.overall.far).padStart(7)}  ${pct(e.lofo.overall.mar).padStart(7)}`,
    `  per-file F1 min ${e.spread.f1.min.toFixed(3)} median ${e.spread.f1.median.toFixed(3)} max ${e.spread.f1.max.toFixed(3)}; FAR min ${pct(e.spread.far.min)} median ${pct(e.spread.far.median)} max ${pct(e.spread.far.max)}`,
    'each family at its best choice over all 16 files (in-sample, for comparison):',
    ...e.perFamily.map((p) => `  ${choice(p.choice).padEnd(28)} F1 ${p.scores.f1.toFixed(3)}  FAR ${pct(p.scores.far)}  MAR ${pct(p.scores.mar)}`),
    `selected for new devices: ${choice(e.selected.choice)} (in-sample F1 ${e.selected.inSample.f1.toFixed(3)})`,
    'SKAB published leaderboard, outlier F1 (all SKAB files, not only valve1; quoted, not measured here):',
    ...SKAB_LEADERBOARD.map((l) => `  ${l.name.padEnd(17)} F1 ${l.f1}`),
  ];
}
