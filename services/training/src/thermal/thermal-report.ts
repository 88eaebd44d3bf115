import { groupMetrics, metricsBy, metricsByKind } from '../evaluation/group-metrics.js';
import type { EvaluatedExample } from '../evaluation/group-metrics.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { rocCurve } from '../evaluation/roc.js';
import { formatMetricsTable } from '../evaluation/metrics-table.js';
import type { ReportChart } from '../chart/report-chart.js';
import type { ThermalPlan } from './thermal-plan.js';

/** Inputs of {@link buildThermalReport}. */
export interface ThermalReportInput {
  readonly plan: ThermalPlan;
  readonly version: string;
  readonly fingerprint: string;
  readonly calibration: LogisticCalibration;
  readonly trainS: number;
  readonly fitS: number;
  readonly scaleC: number;
  readonly test: readonly EvaluatedExample[];
  readonly heldOutKinds: readonly string[];
}

/** The report in every form the command needs. */
export interface ThermalReport {
  readonly json: Record<string, unknown>;
  readonly text: string[];
  readonly chart: ReportChart;
  readonly flatMetrics: Record<string, number>;
  readonly summary: Record<string, unknown>;
}

/** Overall, per fault kind, per fault size (°C the fault adds) and per machine. */
export function buildThermalReport(input: ThermalReportInput): ThermalReport {
  const { test, plan } = input;
  const overall = groupMetrics(test);
  const byKind = metricsByKind(test);
  const bySize = metricsByKind(test, 'delta');
  const byInstance = metricsBy(test, 'instance');
  const goalMet = overall.recall_at_fpr1 >= 0.99;
  const json = {
    model: 'thermal',
    version: input.version,
    data: {
      generator: '@premonitor/ml/data (synthetic, seeded)',
      training_data_fingerprint: input.fingerprint,
      frame: [plan.height, plan.width],
      instances: { train: plan.train.instances, validation: plan.validation.instances, test: plan.test.instances },
      label: 'a frame of a faulty episode is anomalous once the fault adds ≥ 1 °C anywhere',
      held_out_kinds: input.heldOutKinds,
    },
    model_spec: {
      normalisation: `per-frame minimum subtracted, divided by ${input.scaleC.toFixed(3)} °C (in graph)`,
      architecture: plan.architecture,
      network: plan.architecture === 'patch-gaussian'
        ? `Gaussian over ${plan.patchSize}×${plan.patchSize} patches (shrinkage ${plan.shrinkage}), whitening as one Conv in graph`
        : `conv autoencoder ${plan.channels.join('-')} channels, 2 pool stages, ${plan.epochs} epochs`,
      score: plan.architecture === 'patch-gaussian'
        ? 'sigmoid((max over patches of the squared Mahalanobis distance per dimension − center) / scale)'
        : 'sigmoid((max over 3×3 local means of the squared residual − center) / scale)',
    },
    calibration: input.calibration,
    threshold: 0.5,
    training: { train_s: Math.round(input.trainS * 10) / 10, fit_s: Math.round(input.fitS * 10) / 10 },
    overall,
    by_anomaly_kind: Object.fromEntries(Object.entries(byKind).map(([k, m]) => [k, { ...m, held_out: input.heldOutKinds.includes(k) }])),
    by_fault_size_c: bySize,
    by_instance: byInstance,
    goals: { 'recall>=0.99 at fpr<=1%': goalMet },
  };
  const text = [
    `thermal ${input.version}: ${plan.width}×${plan.height}, held-out machines ${plan.test.instances?.join(', ')} (${test.length} frames)`,
    ...formatMetricsTable('overall', { all: overall }),
    ...formatMetricsTable('by fault kind (* = held out from tuning)', Object.fromEntries(Object.entries(byKind).map(([k, m]) => [input.heldOutKinds.includes(k) ? `${k}*` : k, m]))),
    ...formatMetricsTable('by fault size (°C added)', bySize),
    `confusion at score ≥ 0.5: TP ${overall.at_threshold.confusion.tp}  FP ${overall.at_threshold.confusion.fp}  TN ${overall.at_threshold.confusion.tn}  FN ${overall.at_threshold.confusion.fn}`,
    `goal recall ≥ 0.99 at FPR ≤ 1 %: ${goalMet ? 'met' : 'NOT met'} (recall_at_fpr1 ${overall.recall_at_fpr1})`,
  ];
  const flatMetrics: Record<string, number> = { auc: overall.auc, pauc: overall.pauc, recall_at_fpr1: overall.recall_at_fpr1, precision: overall.at_threshold.precision, recall: overall.at_threshold.recall, f1: overall.at_threshold.f1 };
  const chart: ReportChart = {
    title: `thermal ${input.version} - held-out machines`,
    curves: Object.keys(byKind).map((kind) => ({ label: `${kind} AUC ${byKind[kind]!.auc.toFixed(3)}`, points: rocCurve(test.filter((e) => !e.anomalous || e.tags['kind'] === kind).map((e) => ({ score: e.error, anomalous: e.anomalous }))) })),
    histogram: { xLabel: 'log10 error', normal: test.filter((e) => !e.anomalous).map(logError), anomalous: test.filter((e) => e.anomalous).map(logError), threshold: Math.log10(input.calibration.center) },
  };
  const summary = { model: 'thermal', version: input.version, auc: overall.auc, pauc: overall.pauc, recall_at_fpr1: overall.recall_at_fpr1 };
  return { json, text, chart, flatMetrics, summary };
}

function logError(e: EvaluatedExample): number {
  return Math.log10(Math.max(e.error, 1e-12));
}
