import { renderConfusionChart } from '../chart/confusion-chart.js';
import type { ReportChart } from '../chart/report-chart.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { rocCurve } from '../evaluation/roc.js';
import type { ThermalIrEvaluation } from '../real-data/thermal-ir-evaluation.js';
import type { ThermalIrPlan } from './thermal-ir-plan.js';
import type { SampleSplit } from './thermal-ir-split.js';

/** Published results on the same data set, for scale (not the same splits or metrics). */
export const PUBLISHED_THERMAL_IR_RESULTS = [
  {
    source: 'SolarAttnNet, Energies 2025, 18(24), 6591 (mdpi.com/1996-1073/18/24/6591)',
    result: 'accuracy on InfraredSolarModules 92.1 % (attention CNN) vs 88.5 % (ResNet-50 baseline); the abstract does not say how many classes or which split',
  },
  {
    source: 'N. Bayramoglu Disken, lightweight differential-convolution CNN, 1.4 M parameters (abstract on synapsesocial.com)',
    result: 'fault vs no-fault on infrared solar-panel images: accuracy 93.68 %, 94.98 % with geometric augmentation; a 42.6 M-parameter ViT about 3.3 % better (relative); the abstract does not name the data set',
  },
] as const;

/** What {@link buildThermalIrReport} summarises. */
export interface ThermalIrReportInput {
  readonly plan: ThermalIrPlan;
  readonly version: string;
  readonly fingerprint: string;
  readonly source: string | undefined;
  readonly classes: readonly string[];
  readonly normalClass: string;
  readonly hotSpotClasses: readonly string[];
  readonly split: SampleSplit;
  readonly trainS: number;
  readonly fitS: number;
  /** CPU seconds of this process during the classifier's fit (all threads). */
  readonly fitCpuS: number;
  /** The exported graph's classifier head on the validation split (the figures candidates are chosen by). */
  readonly validation: ThermalIrEvaluation;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly calibration: LogisticCalibration;
  readonly noveltyCalibration: LogisticCalibration;
  readonly test: ThermalIrEvaluation;
  readonly noveltyTest: ThermalIrEvaluation;
  readonly parity: { readonly class_probs_max_abs_diff: number; readonly novelty_error_max_rel_diff: number };
  readonly latencyMs: number;
  readonly cpuMsPerImage: number;
  /** Test images with their classifier score, for the ROC curves. */
  readonly rocInputs: readonly { readonly label: string; readonly score: number }[];
}

/** The report's JSON, console lines, pictures, flat metrics for the model metadata, and summary. */
export function buildThermalIrReport(input: ThermalIrReportInput) {
  const { test, noveltyTest, plan } = input;
  const goals = {
    'issue 13: AUC anomaly vs no-anomaly >= 0.95': { value: test.anomaly.auc, met: test.anomaly.auc >= 0.95 },
    'issue 13: hot-spot recall >= 0.95 at 1 % false alarms': { value: test.hotspot.recall_at_fpr1, met: test.hotspot.recall_at_fpr1 >= 0.95 },
    'issue 14: AUC >= 0.95': { value: test.anomaly.auc, met: test.anomaly.auc >= 0.95 },
    'issue 14: hot-spot recall >= 0.9 at 5 % false alarms': { value: test.hotspot.recall_at_fpr5, met: test.hotspot.recall_at_fpr5 >= 0.9 },
    'unsupervised head (trained on normal images only): AUC >= 0.95': { value: noveltyTest.anomaly.auc, met: noveltyTest.anomaly.auc >= 0.95 },
  };
  const json = {
    model: 'thermal-ir',
    version: input.version,
    data: {
      source: input.source ?? 'samples in memory',
      description: 'Raptor Maps InfraredSolarModules (MIT): 24 x 40 px 8-bit infrared images of single solar modules, 12 classes',
      training_data_fingerprint: input.fingerprint,
      split: { by: 'image id, stratified by class, seeded shuffle', seed: plan.split.seed, train: input.split.train.length, validation: input.split.validation.length, test: input.split.test.length },
      measured_on: 'the test split only; thresholds and early stopping used the validation split',
    },
    plan,
    training: {
      train_s: round1(input.trainS),
      classifier_fit_s: round1(input.fitS),
      classifier_fit_cpu_s: round1(input.fitCpuS),
      epochs_run: input.epochsRun,
      best_epoch: input.bestEpoch,
      validation: { images: input.validation.images, auc: input.validation.anomaly.auc, recall_at_fpr1: input.validation.anomaly.recall_at_fpr1, recall_at_fpr5: input.validation.anomaly.recall_at_fpr5, hotspot_recall_at_fpr1: input.validation.hotspot.recall_at_fpr1, hotspot_recall_at_fpr5: input.validation.hotspot.recall_at_fpr5 },
    },
    input_normalisation: plan.classifier.levelChannel
      ? `per image: minus its mean, divided by its standard deviation (floor 1e-3), inside the graph; the classifier also reads the 8-bit levels themselves, (level − ${plan.classifier.levelChannel.offset}) / ${plan.classifier.levelChannel.scale}, as a second channel, so only the camera's own 8-bit image gives its score (the unsupervised head still reads any linear scale alike)`
      : 'per image: minus its mean, divided by its standard deviation (floor 1e-3), inside the graph; any linear intensity scale gives the same score',
    calibration: { classifier: input.calibration, unsupervised: input.noveltyCalibration },
    test: { classifier: test, unsupervised: noveltyTest },
    goals,
    export_parity: input.parity,
    latency_ms: round3(input.latencyMs),
    cpu_ms_per_image_batch64: round3(input.cpuMsPerImage),
    published: PUBLISHED_THERMAL_IR_RESULTS,
  };
  const anomalyClasses = input.classes.filter((c) => c !== input.normalClass);
  const width = Math.max(...anomalyClasses.map((c) => c.length), 8);
  const text = [
    `thermal-ir ${input.version}: split seed ${plan.split.seed}, test ${test.images} images (${test.normal_images} ${input.normalClass}); epochs ${input.epochsRun}, kept ${input.bestEpoch}`,
    `classifier: AUC anomaly vs normal ${f(test.anomaly.auc)}, recall at 1 % / 5 % false alarms ${f(test.anomaly.recall_at_fpr1)} / ${f(test.anomaly.recall_at_fpr5)}, at the threshold ${f(test.anomaly.recall_at_threshold)} (FPR ${f(test.anomaly.fpr_at_threshold)}); accuracy ${f(test.classification?.accuracy)}, macro F1 ${f(test.classification?.macro_f1)}`,
    `unsupervised (normal images only): AUC ${f(noveltyTest.anomaly.auc)}, recall at 1 % / 5 % ${f(noveltyTest.anomaly.recall_at_fpr1)} / ${f(noveltyTest.anomaly.recall_at_fpr5)}`,
    `  ${'class'.padEnd(width)}  images  AUC    R@1%   R@5%   F1    | unsupervised AUC  R@1%   R@5%`,
    ...anomalyClasses.map((c) => {
      const m = test.per_class[c]!;
      const u = noveltyTest.per_class[c]!;
      return `  ${c.padEnd(width)}  ${String(m.images).padStart(6)}  ${f(m.auc)}  ${f(m.recall_at_fpr1)}  ${f(m.recall_at_fpr5)}  ${f(test.classification?.per_class_f1[c])} |        ${f(u.auc)}  ${f(u.recall_at_fpr1)}  ${f(u.recall_at_fpr5)}`;
    }),
    `  ${'hot spots'.padEnd(width)}  ${String(test.hotspot.images).padStart(6)}  ${f(test.hotspot.auc)}  ${f(test.hotspot.recall_at_fpr1)}  ${f(test.hotspot.recall_at_fpr5)}        |        ${f(noveltyTest.hotspot.auc)}  ${f(noveltyTest.hotspot.recall_at_fpr1)}  ${f(noveltyTest.hotspot.recall_at_fpr5)}`,
    ...Object.entries(goals).map(([goal, g]) => `goal ${goal}: ${g.met ? 'met' : 'NOT met'} (${f(g.value)})`),
    `export parity: class probabilities within ${input.parity.class_probs_max_abs_diff.toExponential(2)} of tfjs, novelty error within ${input.parity.novelty_error_max_rel_diff.toExponential(2)} (relative)`,
  ];
  const flatMetrics: Record<string, number> = {
    auc: test.anomaly.auc,
    recall_at_fpr1: test.anomaly.recall_at_fpr1,
    recall_at_fpr5: test.anomaly.recall_at_fpr5,
    hotspot_recall_at_fpr1: test.hotspot.recall_at_fpr1,
    hotspot_recall_at_fpr5: test.hotspot.recall_at_fpr5,
    accuracy: test.classification?.accuracy ?? Number.NaN,
    macro_f1: test.classification?.macro_f1 ?? Number.NaN,
    novelty_auc: noveltyTest.anomaly.auc,
    novelty_hotspot_recall_at_fpr5: noveltyTest.hotspot.recall_at_fpr5,
  };
  const normals = input.rocInputs.filter((i) => i.label === input.normalClass);
  const chart: ReportChart = {
    title: `thermal-ir ${input.version} - test split (seed ${plan.split.seed}), ROC per class vs ${input.normalClass}`,
    curves: anomalyClasses.map((c) => ({
      label: `${c} ${f(test.per_class[c]!.auc)}`,
      points: rocCurve([...normals.map((i) => ({ score: i.score, anomalous: false })), ...input.rocInputs.filter((i) => i.label === c).map((i) => ({ score: i.score, anomalous: true }))]),
    })),
    histogram: { xLabel: 'score (0.5 = threshold)', normal: normals.map((i) => i.score), anomalous: input.rocInputs.filter((i) => i.label !== input.normalClass).map((i) => i.score), threshold: 0.5 },
  };
  const pictures = test.classification
    ? [{ suffix: 'confusion', png: renderConfusionChart({ title: `thermal-ir ${input.version} - confusion matrix, test split (seed ${plan.split.seed})`, ...test.classification.confusion }) }]
    : [];
  const summary = {
    model: 'thermal-ir',
    version: input.version,
    split_seed: plan.split.seed,
    thermal_auc: test.anomaly.auc,
    hotspot_recall_at_fpr1: test.hotspot.recall_at_fpr1,
    hotspot_recall_at_fpr5: test.hotspot.recall_at_fpr5,
    accuracy: test.classification?.accuracy,
    macro_f1: test.classification?.macro_f1,
    novelty_auc: noveltyTest.anomaly.auc,
    cpu_ms_per_image: round3(input.cpuMsPerImage),
  };
  return { json, text, chart, pictures, flatMetrics, summary };
}

function f(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '  -  ' : x.toFixed(3);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
