import { auc, recallAtFpr } from '../evaluation/roc.js';
import type { ScoredExample } from '../evaluation/roc.js';

/** One evaluated image: its true class, the model's class probabilities and its anomaly scores. */
export interface EvaluatedImage {
  readonly label: string;
  /** Class probabilities in the order of the evaluation's `classes` (omit for a detector only). */
  readonly probs?: ArrayLike<number>;
  /** Anomaly score of the head under evaluation: higher = more anomalous. */
  readonly score: number;
}

/** Detection figures of one anomaly class (or a pool of classes) against the normal images. */
export interface DetectionMetrics {
  readonly images: number;
  readonly auc: number;
  /** Best recall while at most 1 % / 5 % of the normal test images are flagged (ROC operating points). */
  readonly recall_at_fpr1: number;
  readonly recall_at_fpr5: number;
  /** Recall at the model's own threshold (chosen on validation), when one is given. */
  readonly recall_at_threshold?: number;
}

/** Everything reported about one head on one split. */
export interface ThermalIrEvaluation {
  readonly images: number;
  readonly normal_images: number;
  /** All anomaly classes pooled against the normal class. */
  readonly anomaly: DetectionMetrics & { readonly fpr_at_threshold?: number };
  readonly per_class: Readonly<Record<string, DetectionMetrics>>;
  /** The hot-spot classes pooled (the goals' figure). */
  readonly hotspot: DetectionMetrics;
  /** Classifier only (images with `probs`): arg-max accuracy, macro F1 and the confusion matrix. */
  readonly classification?: {
    readonly accuracy: number;
    readonly macro_f1: number;
    readonly per_class_f1: Readonly<Record<string, number>>;
    /** `matrix[true][predicted]`, in the order of `classes`. */
    readonly confusion: { readonly classes: readonly string[]; readonly matrix: readonly (readonly number[])[] };
  };
}

/** What {@link evaluateThermalIr} needs to know about the label set. */
export interface EvaluationClasses {
  readonly classes: readonly string[];
  readonly normalClass: string;
  readonly hotSpotClasses: readonly string[];
  /** The model's decision threshold on `score`, if any. */
  readonly threshold?: number;
}

/**
 * AUC anomaly-vs-normal (all classes pooled and per class), recall at 1 % and 5 % false alarms
 * per class and for the pooled hot-spot classes, and — for a classifier — accuracy, macro F1 and
 * the confusion matrix. Reusable for any labelled image set (the retraining service's held-out
 * samples as well as the thermal-ir test split). Figures are rounded to 4 decimals.
 */
export function evaluateThermalIr(images: readonly EvaluatedImage[], c: EvaluationClasses): ThermalIrEvaluation {
  const normal = images.filter((i) => i.label === c.normalClass);
  const detection = (keep: (label: string) => boolean): DetectionMetrics => {
    const positives = images.filter((i) => i.label !== c.normalClass && keep(i.label));
    const examples: ScoredExample[] = [...normal.map((i) => ({ score: i.score, anomalous: false })), ...positives.map((i) => ({ score: i.score, anomalous: true }))];
    return {
      images: positives.length,
      auc: round4(auc(examples)),
      recall_at_fpr1: round4(recallAtFpr(examples, 0.01)),
      recall_at_fpr5: round4(recallAtFpr(examples, 0.05)),
      ...(c.threshold === undefined ? {} : { recall_at_threshold: round4(share(positives, (i) => i.score >= c.threshold!)) }),
    };
  };
  const anomaly = { ...detection(() => true), ...(c.threshold === undefined ? {} : { fpr_at_threshold: round4(share(normal, (i) => i.score >= c.threshold!)) }) };
  const per_class = Object.fromEntries(c.classes.filter((k) => k !== c.normalClass).map((k) => [k, detection((label) => label === k)]));
  const hotspot = detection((label) => c.hotSpotClasses.includes(label));
  const withProbs = images.filter((i) => i.probs !== undefined);
  return {
    images: images.length,
    normal_images: normal.length,
    anomaly,
    per_class,
    hotspot,
    ...(withProbs.length === 0 ? {} : { classification: classification(withProbs, c.classes) }),
  };
}

function classification(images: readonly EvaluatedImage[], classes: readonly string[]): NonNullable<ThermalIrEvaluation['classification']> {
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  let correct = 0;
  for (const image of images) {
    const truth = classes.indexOf(image.label);
    if (truth < 0) continue;
    const probs = image.probs!;
    let predicted = 0;
    for (let k = 1; k < classes.length; k++) if (probs[k]! > probs[predicted]!) predicted = k;
    matrix[truth]![predicted]! += 1;
    if (predicted === truth) correct++;
  }
  const f1 = classes.map((_, k) => {
    const tp = matrix[k]![k]!;
    const fn = matrix[k]!.reduce((a, b) => a + b, 0) - tp;
    const fp = matrix.reduce((a, row) => a + row[k]!, 0) - tp;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return {
    accuracy: round4(correct / images.length),
    macro_f1: round4(f1.reduce((a, b) => a + b, 0) / classes.length),
    per_class_f1: Object.fromEntries(classes.map((k, i) => [k, round4(f1[i]!)])),
    confusion: { classes, matrix },
  };
}

/** Mean, sample standard deviation, minimum and maximum of a figure over several runs. */
export interface Spread {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** The spread of `values` (e.g. one figure over split seeds), rounded to 4 decimals. */
export function spreadOf(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean: round4(mean), std: round4(std), min: round4(Math.min(...values)), max: round4(Math.max(...values)), values: values.map(round4) };
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

function share<T>(items: readonly T[], test: (item: T) => boolean): number {
  return items.length === 0 ? Number.NaN : items.filter(test).length / items.length;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
