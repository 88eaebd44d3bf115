import { groupMetrics, metricsBy, metricsByKind, round4 } from '../evaluation/group-metrics.js';
import type { EvaluatedExample } from '../evaluation/group-metrics.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { rocCurve } from '../evaluation/roc.js';
import { formatMetricsTable } from '../evaluation/metrics-table.js';
import type { ReportChart } from '../chart/report-chart.js';
import type { DeviceErrorMix } from '../baseline/device-head.js';
import type { EnrolledDevice } from '../baseline/enroll-devices.js';
import type { ThermalPlan } from './thermal-plan.js';

/** Inputs of {@link buildThermalReport}. */
export interface ThermalReportInput {
  readonly plan: ThermalPlan;
  readonly version: string;
  readonly fingerprint: string;
  /** Fleet head calibration. */
  readonly calibration: LogisticCalibration;
  readonly device: { readonly mix: DeviceErrorMix; readonly calibration: LogisticCalibration };
  readonly trainS: number;
  readonly fitS: number;
  readonly scaleC: number;
  /** Held-out frames scored against their camera's baseline (what an enrolled camera gets). */
  readonly test: readonly EvaluatedExample[];
  /** The same frames scored against the fleet (before a camera is enrolled). */
  readonly fleet: readonly EvaluatedExample[];
  /** Validation frames (tuning kinds) against their baselines. */
  readonly validation: readonly EvaluatedExample[];
  readonly enrolled: readonly EnrolledDevice[];
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

/** Faults of at least this size (NETA MTS "probable deficiency" and up) get their own recall figure. */
const PROBABLE_DEFICIENCY_C = '≥ 4 °C';

/**
 * Overall, per fault kind, per fault size (°C the fault adds) and per machine, for the
 * scores an enrolled camera gets; the fleet figures (a camera still enrolling) beside them.
 */
export function buildThermalReport(input: ThermalReportInput): ThermalReport {
  const { test, plan } = input;
  const overall = groupMetrics(test);
  const probable = groupMetrics(test.filter((e) => !e.anomalous || e.tags['delta'] !== '1-4 C'));
  const fleet = groupMetrics(input.fleet);
  const byKind = metricsByKind(test);
  const bySize = metricsByKind(test, 'delta');
  const byInstance = metricsBy(test, 'instance');
  const validation = groupMetrics(input.validation);
  const goalMet = overall.recall_at_fpr1 >= 0.99;
  const enrollment = plan.device.enrollment;
  const json = {
    model: 'thermal',
    version: input.version,
    data: {
      generator: '@premonitor/ml/data (synthetic, seeded)',
      training_data_fingerprint: input.fingerprint,
      frame: [plan.height, plan.width],
      instances: { train: plan.train.instances, validation: plan.validation.instances, test: plan.test.instances },
      enrollment: `every validation and test camera enrolled from its own healthy episodes ${enrollment.firstEpisode}–${enrollment.firstEpisode! + enrollment.episodesPerInstance! - 1} (${enrollment.framesPerEpisode} frames each, every ${enrollment.frameStride}th), never scored`,
      label: 'a frame of a faulty episode is anomalous once the fault adds ≥ 1 °C anywhere',
      held_out_kinds: input.heldOutKinds,
    },
    model_spec: {
      normalisation: `fleet head: per-frame minimum subtracted, divided by ${input.scaleC.toFixed(3)} °C (in graph)`,
      architecture: plan.architecture,
      network: plan.architecture === 'patch-gaussian'
        ? `fleet head: Gaussian over ${plan.patchSize}×${plan.patchSize} patches (shrinkage ${plan.shrinkage}), whitening as one Conv in graph`
        : `fleet head: conv autoencoder ${plan.channels.join('-')} channels, 2 pool stages, ${plan.epochs} epochs`,
      device_head: `frame − camera mean, minus its projection on the camera's ${plan.device.components} main healthy directions, ÷ (healthy residual spread + ${plan.device.noiseFloor} °C); |z| mean-filtered ${plan.device.pool}×${plan.device.pool}; mean of the ${plan.device.top} largest`,
      score: 'enrolled camera: sigmoid((ln(device distance / healthy median) − center) / scale); otherwise the fleet head: sigmoid((max patch distance − center) / scale)',
    },
    calibration: input.calibration,
    device_calibration: input.device.calibration,
    device_mix: input.device.mix,
    threshold: 0.5,
    training: { train_s: Math.round(input.trainS * 10) / 10, fit_s: Math.round(input.fitS * 10) / 10 },
    enrollment_frames: { mean_accepted: mean(input.enrolled.map((d) => d.accepted)), rejected_by_fleet: input.enrolled.reduce((n, d) => n + d.rejected, 0) },
    validation_tuning_kinds: { auc: validation.auc, recall_at_fpr1: validation.recall_at_fpr1 },
    overall,
    probable_deficiency: { faults: PROBABLE_DEFICIENCY_C, ...probable },
    fleet_only: fleet,
    by_anomaly_kind: Object.fromEntries(Object.entries(byKind).map(([k, m]) => [k, { ...m, held_out: input.heldOutKinds.includes(k) }])),
    by_fault_size_c: bySize,
    by_instance: byInstance,
    goals: { 'recall>=0.99 at fpr<=1%': goalMet, 'recall>=0.99 at fpr<=1% on faults >= 4 C': probable.recall_at_fpr1 >= 0.99 },
  };
  const text = [
    `thermal ${input.version}: ${plan.width}×${plan.height}, held-out machines ${plan.test.instances?.join(', ')} (${test.length} frames), each scored against its own enrolled baseline`,
    ...formatMetricsTable('overall', { 'enrolled camera': overall, [`faults ${PROBABLE_DEFICIENCY_C}`]: probable, 'fleet only (enrolling)': fleet }),
    ...formatMetricsTable('by fault kind (* = held out from tuning)', Object.fromEntries(Object.entries(byKind).map(([k, m]) => [input.heldOutKinds.includes(k) ? `${k}*` : k, m]))),
    ...formatMetricsTable('by fault size (°C added)', bySize),
    `validation machines (tuning kinds): AUC ${validation.auc.toFixed(3)}, recall at FPR 1 % ${validation.recall_at_fpr1.toFixed(3)}`,
    `confusion at score ≥ 0.5: TP ${overall.at_threshold.confusion.tp}  FP ${overall.at_threshold.confusion.fp}  TN ${overall.at_threshold.confusion.tn}  FN ${overall.at_threshold.confusion.fn}`,
    `goal recall ≥ 0.99 at FPR ≤ 1 %: ${goalMet ? 'met' : 'NOT met'} on all faulty frames (${overall.recall_at_fpr1}), ${probable.recall_at_fpr1 >= 0.99 ? 'met' : 'NOT met'} on faults ${PROBABLE_DEFICIENCY_C} (${probable.recall_at_fpr1})`,
  ];
  const flatMetrics: Record<string, number> = {
    auc: overall.auc, pauc: overall.pauc, recall_at_fpr1: overall.recall_at_fpr1, recall_at_fpr1_ge4c: probable.recall_at_fpr1,
    precision: overall.at_threshold.precision, recall: overall.at_threshold.recall, f1: overall.at_threshold.f1,
    fleet_auc: fleet.auc, fleet_recall_at_fpr1: fleet.recall_at_fpr1,
  };
  const chart: ReportChart = {
    title: `thermal ${input.version} - held-out machines, enrolled baselines`,
    curves: [
      ...Object.keys(byKind).map((kind) => ({ label: `${kind} AUC ${byKind[kind]!.auc.toFixed(3)}`, points: rocCurve(test.filter((e) => !e.anomalous || e.tags['kind'] === kind).map((e) => ({ score: e.error, anomalous: e.anomalous }))) })),
      { label: `fleet only AUC ${fleet.auc.toFixed(3)}`, points: rocCurve(input.fleet.map((e) => ({ score: e.error, anomalous: e.anomalous }))) },
    ],
    histogram: { xLabel: 'device error (ln of distance / healthy median)', normal: test.filter((e) => !e.anomalous).map((e) => e.error), anomalous: test.filter((e) => e.anomalous).map((e) => e.error), threshold: input.device.calibration.center },
  };
  const summary = { model: 'thermal', version: input.version, auc: overall.auc, pauc: overall.pauc, recall_at_fpr1: overall.recall_at_fpr1, recall_at_fpr1_ge4c: probable.recall_at_fpr1, fleet_auc: fleet.auc };
  return { json, text, chart, flatMetrics, summary };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : round4(values.reduce((a, b) => a + b, 0) / values.length);
}
