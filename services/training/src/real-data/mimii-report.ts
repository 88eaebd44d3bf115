import { quantile } from '../evaluation/roc.js';
import type { MimiiEvaluation } from './mimii-evaluation.js';

/** The MIMII figures of one model, as the training report and the bench print them. */
export interface MimiiSummary {
  /** Mean AUC over channels per machine, at the headline enrollment length, against the device's own baseline. */
  readonly mimii_auc: Record<string, number>;
  readonly mimii_auc_min: number;
  /** Lowest single-channel AUC of any machine at the headline enrollment length. */
  readonly mimii_auc_min_channel: number;
  /** Held-out normal clips at or above the device threshold (score 0.5), all machines and channels. */
  readonly mimii_false_alarm_rate: number;
  /** Abnormal clips at or above it. */
  readonly mimii_recall: number;
  /** Median fleet score of normal clips per machine, as the model scores them. */
  readonly normal_fleet_score_median_by_machine: Record<string, number>;
  /** Median of those medians. */
  readonly normal_fleet_score_median: number;
  /** Fleet AUC (before enrollment), mean over channels per machine. */
  readonly mimii_fleet_auc: Record<string, number>;
}

/** The headline numbers of an evaluation (first enrollment length of its protocol). */
export function summariseMimii(evaluation: MimiiEvaluation): MimiiSummary {
  const headline = evaluation.enrolled[0] ?? [];
  const normal = headline.reduce((n, m) => n + m.normalClips * m.auc.length, 0);
  const abnormal = headline.reduce((n, m) => n + m.abnormalClips * m.auc.length, 0);
  const medians = Object.fromEntries(evaluation.fleet.map((f) => [f.machine, round3(f.normalScoreMedian)]));
  return {
    mimii_auc: Object.fromEntries(headline.map((m) => [m.machine, round3(m.aucSpread.mean)])),
    mimii_auc_min: round3(Math.min(...headline.map((m) => m.aucSpread.mean))),
    mimii_auc_min_channel: round3(Math.min(...headline.map((m) => m.aucSpread.min))),
    mimii_false_alarm_rate: round4(headline.reduce((n, m) => n + m.falseAlarms, 0) / Math.max(1, normal)),
    mimii_recall: round3(headline.reduce((n, m) => n + m.detected, 0) / Math.max(1, abnormal)),
    normal_fleet_score_median_by_machine: medians,
    normal_fleet_score_median: round3(quantile(Object.values(medians), 0.5)),
    mimii_fleet_auc: Object.fromEntries(evaluation.fleet.map((f) => [f.machine, round3(f.aucSpread.mean)])),
  };
}

/** Every device score of the headline enrollment length, all machines and channels pooled (each against its own threshold). */
export function pooledMimiiScores(evaluation: MimiiEvaluation): { score: number; anomalous: boolean }[] {
  return (evaluation.enrolled[0] ?? []).flatMap((m) => [...m.scores.normal.map((score) => ({ score, anomalous: false })), ...m.scores.abnormal.map((score) => ({ score, anomalous: true }))]);
}

/** A text table: per machine and enrollment length, AUC mean (min–max over channels), false alarms, recall; then the fleet view. */
export function formatMimii(title: string, evaluation: MimiiEvaluation, leaveOneOut?: Record<string, number>): string[] {
  const p = evaluation.protocol;
  const lines = [
    `${title} — MIMII (real), one channel = one device; enroll from the first N s of the normal recording (clips ${p.enrollHopSeconds} s apart), skip ${p.gapSeconds} s, score the rest (hop ${p.testHopSeconds} s) against the abnormal recording; ${p.clipSeconds} s clips`,
    `  ${'machine'.padEnd(8)} ${'enroll'.padEnd(11)} ${'AUC mean (min–max over channels)'.padEnd(34)} ${'false alarms'.padEnd(14)} recall@0.5`,
  ];
  for (const results of evaluation.enrolled) {
    for (const m of results) {
      const fa = `${m.falseAlarms}/${m.normalClips * m.auc.length}`;
      const recall = `${m.detected}/${m.abnormalClips * m.auc.length}`;
      lines.push(`  ${m.machine.padEnd(8)} ${`${m.enrollSeconds} s/${m.enrollClips} clips`.padEnd(11)} ${`${m.aucSpread.mean.toFixed(3)} (${m.aucSpread.min.toFixed(3)}–${m.aucSpread.max.toFixed(3)})`.padEnd(34)} ${fa.padEnd(14)} ${recall}`);
    }
  }
  lines.push(`  fleet only (before enrollment): ${evaluation.fleet.map((f) => `${f.machine} AUC ${f.aucSpread.mean.toFixed(3)} (${f.aucSpread.min.toFixed(2)}–${f.aucSpread.max.toFixed(2)}), normal median score ${f.normalScoreMedian.toFixed(3)}${leaveOneOut?.[f.machine] !== undefined ? ` (${leaveOneOut[f.machine]!.toFixed(3)} leave-one-machine-out)` : ''}`).join('; ')}`);
  return lines;
}

/** The evaluation without the raw fleet errors, for a report file. */
export function mimiiJson(evaluation: MimiiEvaluation): Record<string, unknown> {
  return {
    protocol: evaluation.protocol,
    enrolled: evaluation.enrolled.map((results) => results.map(({ scores: _scores, ...m }) => ({ ...m, auc: m.auc.map(round3) }))),
    fleet: evaluation.fleet.map(({ normalErrors: _errors, ...f }) => ({ ...f, auc: f.auc.map(round3) })),
  };
}

/** Leave-one-machine-out fleet medians (`leaveOneMachineOutFleetMedians`), rounded, and their median. */
export function summariseLeaveOneOut(leaveOneOut: Record<string, number>): { readonly byMachine: Record<string, number>; readonly median: number } {
  return { byMachine: Object.fromEntries(Object.entries(leaveOneOut).map(([k, v]) => [k, round3(v)])), median: round3(quantile(Object.values(leaveOneOut), 0.5)) };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
