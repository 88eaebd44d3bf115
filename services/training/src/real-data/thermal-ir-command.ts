import { trainThermalIr } from '../thermal-ir/train-thermal-ir.js';
import type { TrainedThermalIrModel } from '../thermal-ir/train-thermal-ir.js';
import { thermalIrPlan } from '../thermal-ir/thermal-ir-plan.js';
import { THERMAL_IR_CLASSES } from '../thermal-ir/thermal-ir-sample.js';
import type { TrainedModel } from '../trained-model.js';
import { timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import { loadThermalIrDataset } from './thermal-ir-dataset.js';
import { spreadOf } from './thermal-ir-evaluation.js';
import type { Spread, ThermalIrEvaluation } from './thermal-ir-evaluation.js';

/** Options of {@link trainThermalIrCommand}. */
export interface ThermalIrCommandOptions {
  readonly dataDir: string;
  /** Split seeds: the first one's model is returned; every seed adds to the spread. */
  readonly seeds: readonly number[];
  readonly quick: boolean;
  readonly now: Date;
  readonly log: ProgressSink;
}

/**
 * `npm run train -- thermal-ir`: loads the thermal-ir images from disk, trains and evaluates the
 * module-image model on the first split seed, then (with several seeds) retrains on each further
 * seed and adds the spread of the main figures over all seeds to the report. `--quick` keeps 150
 * images per class.
 */
export async function trainThermalIrCommand(options: ThermalIrCommandOptions): Promise<TrainedModel> {
  const { log } = options;
  const plan = thermalIrPlan(options.quick);
  const samples = await timed(log, `loading the thermal-ir images from ${options.dataDir}`, () =>
    loadThermalIrDataset({ dir: options.dataDir, width: plan.width, height: plan.height, classes: THERMAL_IR_CLASSES, ...(options.quick ? { perClassLimit: 150 } : {}) }),
  );
  const runs: TrainedThermalIrModel[] = [];
  for (const seed of options.seeds) {
    runs.push(await trainThermalIr({ samples, quick: options.quick, splitSeed: seed, now: options.now, log, source: options.dataDir }));
  }
  const first = runs[0]!;
  if (runs.length === 1) return first;
  const spread = spreadOverSeeds(options.seeds, runs.map((r) => ({ test: r.test, noveltyTest: r.noveltyTest, trainS: Number(r.summary['train_s']) })));
  const line = (name: string, s: { mean: number; std: number; min: number; max: number }) => `  ${name}: ${s.mean.toFixed(3)} ± ${s.std.toFixed(3)} (min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)})`;
  return {
    ...first,
    report: { ...first.report, spread_over_split_seeds: spread },
    text: [
      ...first.text,
      `spread over split seeds ${options.seeds.join(', ')} (mean ± sd):`,
      line('AUC anomaly vs normal', spread.thermal_auc),
      line('hot-spot recall at 1 % FPR', spread.hotspot_recall_at_fpr1),
      line('hot-spot recall at 5 % FPR', spread.hotspot_recall_at_fpr5),
      line('accuracy', spread.accuracy),
      line('macro F1', spread.macro_f1),
      line('unsupervised AUC', spread.novelty_auc),
    ],
    summary: { ...first.summary, seeds: options.seeds, thermal_auc_mean: spread.thermal_auc.mean, thermal_auc_sd: spread.thermal_auc.std, hotspot_recall_at_fpr1_mean: spread.hotspot_recall_at_fpr1.mean, hotspot_recall_at_fpr5_mean: spread.hotspot_recall_at_fpr5.mean, macro_f1_mean: spread.macro_f1.mean, novelty_auc_mean: spread.novelty_auc.mean },
  };
}

/** One split seed's run, as {@link spreadOverSeeds} reads it. */
export interface SeedRun {
  readonly test: ThermalIrEvaluation;
  readonly noveltyTest: ThermalIrEvaluation;
  readonly trainS: number;
}

/** The spread of the main figures (overall, hot spots, per class, both heads) over split seeds. */
export function spreadOverSeeds(seeds: readonly number[], runs: readonly SeedRun[]) {
  const figure = (pick: (run: SeedRun) => number | undefined): Spread => spreadOf(runs.map((r) => pick(r) ?? Number.NaN));
  const classes = Object.keys(runs[0]!.test.per_class);
  return {
    seeds,
    thermal_auc: figure((r) => r.test.anomaly.auc),
    recall_at_fpr1: figure((r) => r.test.anomaly.recall_at_fpr1),
    recall_at_fpr5: figure((r) => r.test.anomaly.recall_at_fpr5),
    hotspot_recall_at_fpr1: figure((r) => r.test.hotspot.recall_at_fpr1),
    hotspot_recall_at_fpr5: figure((r) => r.test.hotspot.recall_at_fpr5),
    accuracy: figure((r) => r.test.classification?.accuracy),
    macro_f1: figure((r) => r.test.classification?.macro_f1),
    novelty_auc: figure((r) => r.noveltyTest.anomaly.auc),
    per_class_auc: Object.fromEntries(classes.map((c) => [c, figure((r) => r.test.per_class[c]?.auc)])),
    per_class_recall_at_fpr1: Object.fromEntries(classes.map((c) => [c, figure((r) => r.test.per_class[c]?.recall_at_fpr1)])),
    per_class_recall_at_fpr5: Object.fromEntries(classes.map((c) => [c, figure((r) => r.test.per_class[c]?.recall_at_fpr5)])),
    novelty_per_class_auc: Object.fromEntries(classes.map((c) => [c, figure((r) => r.noveltyTest.per_class[c]?.auc)])),
    train_s: figure((r) => r.trainS),
  };
}
