import { trainThermalIr } from '../thermal-ir/train-thermal-ir.js';
import type { TrainedThermalIrModel } from '../thermal-ir/train-thermal-ir.js';
import { thermalIrPlan } from '../thermal-ir/thermal-ir-plan.js';
import { THERMAL_IR_CLASSES } from '../thermal-ir/thermal-ir-sample.js';
import type { TrainedModel } from '../trained-model.js';
import { timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import { loadThermalIrDataset } from './thermal-ir-dataset.js';
import { spreadOverSeeds } from './thermal-ir-evaluation.js';

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
