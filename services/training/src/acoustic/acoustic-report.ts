import { groupMetrics, metricsBy, metricsByKind } from '../evaluation/group-metrics.js';
import type { EvaluatedExample } from '../evaluation/group-metrics.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { auc, rocCurve } from '../evaluation/roc.js';
import { formatMetricsTable } from '../evaluation/metrics-table.js';
import type { ReportChart } from '../chart/report-chart.js';
import { acousticSplitSize } from './acoustic-corpus.js';
import type { AcousticPlan } from './acoustic-plan.js';
import type { DeviceThresholdSpec } from '@premonitor/ml';
import type { MimiiEvaluation } from '../real-data/mimii-evaluation.js';
import { formatMimii, mimiiJson, pooledMimiiScores, summariseLeaveOneOut, summariseMimii } from '../real-data/mimii-report.js';

/** Published AUCs of the DCASE 2020 task 2 baseline on its development set, for scale. */
export const DCASE2020_BASELINE_DEV_AUC = { fan: 0.65, pump: 0.73, slider: 0.85, valve: 0.66, ToyCar: 0.8 } as const;

/** Inputs of {@link buildAcousticReport}. */
export interface AcousticReportInput {
  readonly plan: AcousticPlan;
  readonly version: string;
  readonly fingerprint: string;
  /** Fleet head calibration. */
  readonly calibration: LogisticCalibration;
  /** How each enrolled device's own threshold is set. */
  readonly device: { readonly threshold: DeviceThresholdSpec };
  /** The model on the real MIMII recordings, with the leave-one-machine-out fleet medians; absent without the data. */
  readonly real?: { readonly evaluation: MimiiEvaluation; readonly leaveOneOut: Record<string, number> };
  /** Divisors of the head errors (frame, clip statistics, low band), if the model has several heads. */
  readonly headScales?: readonly number[];
  /** Seconds from start to a calibrated model (data, features, fit, calibration). */
  readonly trainS: number;
  /** Seconds in `model.fit`. */
  readonly fitS: number;
  /** Held-out clips scored against their machine's baseline (what an enrolled machine gets). */
  readonly test: readonly EvaluatedExample[];
  /** The same clips scored against the fleet (before a machine is enrolled). */
  readonly fleet: readonly EvaluatedExample[];
  /** Validation clips (tuning kinds) against their baselines, and against the fleet. */
  readonly validation: readonly EvaluatedExample[];
  readonly validationFleet: readonly EvaluatedExample[];
  readonly heldOutKinds: readonly string[];
}

/** The report in every form the command needs. */
export interface AcousticReport {
  readonly json: Record<string, unknown>;
  readonly text: string[];
  readonly chart: ReportChart;
  /** Flat numbers for the ONNX metadata and the registry. */
  readonly flatMetrics: Record<string, number>;
  readonly summary: Record<string, unknown>;
}

/** Per machine type, per SNR, per type × SNR and per fault kind, plus the goal check. */
export function buildAcousticReport(input: AcousticReportInput): AcousticReport {
  const { test, plan } = input;
  const overall = groupMetrics(test);
  const byType = metricsBy(test, 'machine_type');
  const bySnr = metricsBy(test, 'snr');
  const withCell = test.map((e) => ({ ...e, tags: { ...e.tags, cell: `${e.tags['machine_type']}@${e.tags['snr']}dB` } }));
  const byCell = metricsBy(withCell, 'cell');
  const byKind = metricsByKind(test);
  const validation = groupMetrics(input.validation);
  const validationFleet = groupMetrics(input.validationFleet.map((e) => ({ ...e, score: 0 })));
  const fleet = groupMetrics(input.fleet);
  const fleetBySnr = metricsBy(input.fleet, 'snr');
  const fleetByCell = metricsBy(input.fleet.map((e) => ({ ...e, tags: { ...e.tags, cell: `${e.tags['machine_type']}@${e.tags['snr']}dB` } })), 'cell');
  const goal = (cells: Record<string, { auc: number }>, snr: string, target: number): boolean => Object.keys(byType).every((t) => (cells[`${t}@${snr}dB`]?.auc ?? 0) >= target);
  const goals = {
    'auc>=0.95 per type at 6 dB': goal(byCell, '6', 0.95),
    'auc>=0.85 per type at -6 dB': goal(byCell, '-6', 0.85),
    'fleet only: auc>=0.95 per type at 6 dB': goal(fleetByCell, '6', 0.95),
    'fleet only: auc>=0.85 per type at -6 dB': goal(fleetByCell, '-6', 0.85),
  };

  const real = input.real;
  const realSummary = real ? summariseMimii(real.evaluation) : undefined;
  const lomo = real ? summariseLeaveOneOut(real.leaveOneOut) : undefined;
  const lomoMedian = lomo?.median;
  const json = {
    model: 'acoustic',
    version: input.version,
    data: {
      generator: '@premonitor/ml/data (synthetic, seeded)',
      training_data_fingerprint: input.fingerprint,
      seed: plan.seed,
      clips: { train: acousticSplitSize(plan.train), validation: acousticSplitSize(plan.validation), test: acousticSplitSize(plan.test) },
      instances: { train: plan.train.instances, validation: plan.validation.instances, test: plan.test.instances },
      held_out_kinds: input.heldOutKinds,
      enrollment: `every validation and test machine enrolled (at its SNR) from ${plan.device.enrollmentClips} healthy clips of its own (clip indices from ${plan.device.enrollmentFirstClip}), never scored`,
      note: 'test machines are unseen in training and validation; held-out kinds never influenced any choice',
    },
    model_spec: {
      architecture: plan.architecture,
      features: plan.architecture === 'gaussian'
        ? `one STFT (n_fft ${plan.nFft}, hop 512) in graph → log-mel ${plan.nMels} bands (per-band standardisation, ${plan.context} frames stacked) and linear bins 1–${plan.lowBins} in dB`
        : `log-mel ${plan.nMels} bands (n_fft ${plan.nFft}, hop 512) in graph, per-band standardisation, ${plan.context} frames stacked`,
      network: plan.architecture === 'gaussian'
        ? `three Gaussians (shrinkage ${plan.shrinkage}), whitening MatMuls in graph: frames (${plan.context * plan.nMels}-d stacked rows), clip statistics (${2 * plan.nMels}-d per-band mean and std over time), low-band peak profile (${plan.lowBandPeaks} largest bins of the clip's mean low-band dB spectrum, minus its mean, sorted by TopK)`
        : `dense autoencoder ${[plan.context * plan.nMels, ...plan.autoencoder.hidden, plan.autoencoder.bottleneck, ...[...plan.autoencoder.hidden].reverse(), plan.context * plan.nMels].join('-')}, ${plan.autoencoder.epochs} epochs`,
      score: plan.architecture === 'gaussian'
        ? 'fleet error = Σ over the three heads of (squared Mahalanobis distance per dimension / its median on healthy validation clips); score = sigmoid((error − center) / scale)' : 'sigmoid((mean squared reconstruction error − center) / scale)',
      device_head: `embedding = clip statistics (${2 * plan.nMels}-d) whitened by the within-machine covariance pooled over the training machines; device error = ln(mean squared difference from the machine's enrolled mean); device score = sigmoid((error − own threshold) / own spread), both from the machine's enrollment (leave-one-out, spread pooled with a prior of ${input.device.threshold.priorSpread.toFixed(3)} worth ${input.device.threshold.priorWeight} samples, threshold at z for ${input.device.threshold.falseAlarmsPerDay} false alarm(s) in ${input.device.threshold.framesPerDay} frames a day); no fleet share`,
    },
    device_threshold: input.device.threshold,
    calibration: input.calibration,
    ...(input.headScales ? { head_scales: { frame: input.headScales[0], clip_statistics: input.headScales[1], low_band: input.headScales[2] } } : {}),
    threshold: 0.5,
    training: { train_s: round1(input.trainS), fit_s: round1(input.fitS) },
    validation_tuning_kinds: { auc: validation.auc, pauc: validation.pauc, fleet_auc: validationFleet.auc },
    overall,
    fleet_only: { overall: fleet, by_snr: fleetBySnr, by_machine_type_and_snr: fleetByCell },
    by_machine_type: byType,
    by_snr: bySnr,
    by_machine_type_and_snr: byCell,
    by_anomaly_kind: Object.fromEntries(Object.entries(byKind).map(([k, m]) => [k, { ...m, held_out: input.heldOutKinds.includes(k) }])),
    reference_dcase2020_baseline_dev_auc: DCASE2020_BASELINE_DEV_AUC,
    goals,
    ...(real ? {
      real_data: {
        data: 'MIMII (real, ../shared/data/acoustic-mimii): 5 machines, one 10 s normal and one 10 s abnormal recording each, 8 channels; every channel scored as its own device',
        calibration_note: 'the fleet calibration of this model includes the normal clips of all 5 machines; normal_fleet_score_median_leave_one_machine_out is what each machine gets from a calibration without it (the honest figure)',
        summary: { ...realSummary, normal_fleet_score_median_leave_one_machine_out: lomo?.byMachine, normal_fleet_score_median_lomo: lomoMedian },
        ...mimiiJson(real.evaluation),
      },
    } : {}),
  };

  const text = [
    `acoustic ${input.version}: held-out machines ${plan.test.instances.join(', ')} (${test.length} clips), each scored against its own enrolled baseline; thresholds = ${Math.round(input.calibration.normalQuantile * 100)}th percentile of healthy validation machines`,
    ...formatMetricsTable('overall', { 'enrolled machine': overall, 'fleet only (enrolling)': fleet }),
    ...formatMetricsTable('by machine type', byType),
    ...formatMetricsTable('by SNR (dB)', bySnr),
    ...formatMetricsTable('by machine type and SNR', byCell),
    ...formatMetricsTable('fleet only (enrolling), by machine type and SNR', fleetByCell),
    ...formatMetricsTable('by fault kind (vs all healthy clips; * = held out from tuning)', Object.fromEntries(Object.entries(byKind).map(([k, m]) => [input.heldOutKinds.includes(k) ? `${k}*` : k, m]))),
    `validation machines (tuning kinds): AUC ${validation.auc.toFixed(3)} against their baselines, ${validationFleet.auc.toFixed(3)} against the fleet`,
    `confusion at score ≥ 0.5: TP ${overall.at_threshold.confusion.tp}  FP ${overall.at_threshold.confusion.fp}  TN ${overall.at_threshold.confusion.tn}  FN ${overall.at_threshold.confusion.fn}`,
    `reference — DCASE 2020 task 2 baseline dev-set AUC (real recordings, not comparable 1:1): ${Object.entries(DCASE2020_BASELINE_DEV_AUC).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `goals: ${Object.entries(goals).map(([k, v]) => `${k}: ${v ? 'met' : 'NOT met'}`).join('; ')}`,
    ...(real ? formatMimii(`acoustic ${input.version}`, real.evaluation, real.leaveOneOut) : ['real data: not evaluated (no ../shared/data/acoustic-mimii)']),
  ];

  const flatMetrics: Record<string, number> = { auc: overall.auc, pauc: overall.pauc, precision: round4(overall.at_threshold.precision), recall: round4(overall.at_threshold.recall), f1: round4(overall.at_threshold.f1) };
  for (const [snr, m] of Object.entries(bySnr)) flatMetrics[`auc_snr_${snr}`] = m.auc;
  for (const [type, m] of Object.entries(byType)) flatMetrics[`auc_${type}`] = m.auc;
  flatMetrics['fleet_auc'] = fleet.auc;
  if (realSummary) {
    flatMetrics['mimii_auc_min'] = realSummary.mimii_auc_min;
    for (const [machine, v] of Object.entries(realSummary.mimii_auc)) flatMetrics[`mimii_auc_${machine}`] = v;
    flatMetrics['mimii_false_alarm_rate'] = realSummary.mimii_false_alarm_rate;
    if (lomoMedian !== undefined) flatMetrics['mimii_normal_fleet_score_median_lomo'] = lomoMedian;
  }

  const chart: ReportChart = {
    title: `acoustic ${input.version} - held-out machines${real ? ' and MIMII (real)' : ''}, enrolled`,
    curves: [
      ...Object.keys(bySnr).sort((a, b) => Number(b) - Number(a)).map((snr) => ({ label: `${snr} dB  AUC ${bySnr[snr]!.auc.toFixed(3)}`, points: rocCurve(test.filter((e) => e.tags['snr'] === snr).map((e) => ({ score: e.score, anomalous: e.anomalous }))) })),
      { label: `fleet only  AUC ${fleet.auc.toFixed(3)}`, points: rocCurve(input.fleet.map((e) => ({ score: e.error, anomalous: e.anomalous }))) },
      ...(real ? [{ label: `MIMII (real)  AUC ${auc(pooledMimiiScores(real.evaluation)).toFixed(3)}`, points: rocCurve(pooledMimiiScores(real.evaluation)) }] : []),
    ],
    histogram: { xLabel: 'device score, synthetic (own threshold)', normal: test.filter((e) => !e.anomalous).map((e) => e.score), anomalous: test.filter((e) => e.anomalous).map((e) => e.score), threshold: 0.5 },
  };
  const summary = {
    model: 'acoustic', version: input.version, auc: overall.auc, pauc: overall.pauc, auc_by_snr: Object.fromEntries(Object.entries(bySnr).map(([k, m]) => [k, m.auc])),
    fleet_auc: fleet.auc, fleet_auc_by_snr: Object.fromEntries(Object.entries(fleetBySnr).map(([k, m]) => [k, m.auc])),
    fpr_at_threshold: round4(overall.at_threshold.confusion.fp / Math.max(1, overall.at_threshold.confusion.fp + overall.at_threshold.confusion.tn)),
    ...(realSummary ? { mimii_auc: realSummary.mimii_auc, mimii_auc_min: realSummary.mimii_auc_min, mimii_false_alarm_rate: realSummary.mimii_false_alarm_rate, normal_fleet_score_median_lomo: lomoMedian } : {}),
  };
  return { json, text, chart, flatMetrics, summary };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

