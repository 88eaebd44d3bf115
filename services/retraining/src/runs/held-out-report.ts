import type { Json } from '@premonitor/db';
import { auc, partialAuc, recallAtFpr, renderReportChart, rocCurve, thresholdMetrics } from '@premonitor/training';

/** One held-out sample as a model scored it. */
export interface HeldOutScore {
  readonly score: number;
  readonly anomalous: boolean;
  readonly device: string;
  /** The anomaly's fault class, `anomalous` without one; `normal` for a normal sample. */
  readonly cls: string;
}

/** The score at which a sample counts as anomalous (the contract's WARNING level of a calibrated model). */
export const DECISION_THRESHOLD = 0.5;

/** The gate's figures of one model on the held-out set (higher is better for each). */
export function heldOutFigures(scores: readonly HeldOutScore[]): Record<string, number> {
  return { auc: auc(scores), pauc: partialAuc(scores, 0.1), recall_at_fpr1: recallAtFpr(scores, 0.01), recall_at_fpr5: recallAtFpr(scores, 0.05) };
}

/**
 * The evaluation report of one model: the figures overall, precision/recall/F1 and the
 * confusion at {@link DECISION_THRESHOLD}, per device (its own normal vs anomalous samples)
 * and per fault class (that class against every normal sample). A group with one label has
 * no AUC (null).
 */
export function heldOutReport(scores: readonly HeldOutScore[]): Json {
  const figures = (group: readonly HeldOutScore[]) => {
    const f = heldOutFigures(group);
    const anomalous = group.filter((s) => s.anomalous).length;
    return { samples: group.length, anomalous, ...Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Number.isFinite(v) ? round(v) : null])) };
  };
  const at = thresholdMetrics(scores, DECISION_THRESHOLD);
  const normal = scores.filter((s) => !s.anomalous);
  const perDevice = Object.fromEntries([...groupBy(scores, (s) => s.device)].map(([device, group]) => [device, figures(group)]));
  const perClass = Object.fromEntries([...groupBy(scores.filter((s) => s.anomalous), (s) => s.cls)].map(([cls, group]) => [cls, figures([...normal, ...group])]));
  return {
    ...figures(scores),
    threshold: DECISION_THRESHOLD,
    at_threshold: { precision: round(at.precision), recall: round(at.recall), f1: round(at.f1), fpr: round(at.fpr), confusion: { ...at.confusion } },
    per_device: perDevice,
    per_fault_class: perClass,
  };
}

/**
 * The run's chart (PNG, 1000×480): ROC of the candidate and, when it could score the same
 * samples, of the champion; the candidate's score histogram, normal vs anomalous, with the
 * decision threshold.
 */
export function heldOutChart(title: string, candidate: readonly HeldOutScore[], champion?: readonly HeldOutScore[]): Uint8Array {
  const curve = (label: string, scores: readonly HeldOutScore[]) => ({ label: `${label} AUC ${auc(scores).toFixed(3)}`, points: rocCurve(scores) });
  return renderReportChart({
    title,
    curves: [curve('candidate', candidate), ...(champion ? [curve('champion', champion)] : [])],
    histogram: { xLabel: 'candidate score', normal: candidate.filter((s) => !s.anomalous).map((s) => s.score), anomalous: candidate.filter((s) => s.anomalous).map((s) => s.score), threshold: DECISION_THRESHOLD },
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
