import { auc, partialAuc, recallAtFpr } from './roc.js';
import type { ScoredExample } from './roc.js';
import { thresholdMetrics } from './threshold-metrics.js';
import type { ThresholdMetrics } from './threshold-metrics.js';

/** One evaluated example: raw error ranks, the calibrated score decides. */
export interface EvaluatedExample {
  /** Raw reconstruction error (used for AUC: the calibrated sigmoid saturates and would tie). */
  readonly error: number;
  /** Calibrated anomaly probability (used at the decision threshold). */
  readonly score: number;
  readonly anomalous: boolean;
  /** Grouping keys, e.g. `{ machine_type: 'fan', snr: '6', kind: 'leak' }`. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Ranking and decision figures for one group of examples. */
export interface GroupMetrics {
  readonly normal: number;
  readonly anomalous: number;
  readonly auc: number;
  /** DCASE normalised pAUC at max FPR 0.1. */
  readonly pauc: number;
  /** Best recall with at most 1 % false positives. */
  readonly recall_at_fpr1: number;
  /** Precision/recall/F1/confusion at the calibrated threshold (score ≥ 0.5). */
  readonly at_threshold: ThresholdMetrics;
}

/** Computes {@link GroupMetrics} for `examples`, deciding at calibrated `threshold`. */
export function groupMetrics(examples: readonly EvaluatedExample[], threshold = 0.5): GroupMetrics {
  const ranked: ScoredExample[] = examples.map((e) => ({ score: e.error, anomalous: e.anomalous }));
  const decided: ScoredExample[] = examples.map((e) => ({ score: e.score, anomalous: e.anomalous }));
  const anomalous = examples.filter((e) => e.anomalous).length;
  return {
    normal: examples.length - anomalous,
    anomalous,
    auc: round4(auc(ranked)),
    pauc: round4(partialAuc(ranked, 0.1)),
    recall_at_fpr1: round4(recallAtFpr(ranked, 0.01)),
    at_threshold: thresholdMetrics(decided, threshold),
  };
}

/** Metrics per value of tag `key` (every example of the group, normal and faulty). */
export function metricsBy(examples: readonly EvaluatedExample[], key: string): Record<string, GroupMetrics> {
  const groups = new Map<string, EvaluatedExample[]>();
  for (const e of examples) {
    const value = e.tags[key];
    if (value === undefined) continue;
    const group = groups.get(value) ?? [];
    group.push(e);
    groups.set(value, group);
  }
  return Object.fromEntries([...groups].map(([value, group]) => [value, groupMetrics(group)]));
}

/** Metrics per fault kind: each kind's faulty examples against every normal example. */
export function metricsByKind(examples: readonly EvaluatedExample[], kindKey = 'kind'): Record<string, GroupMetrics> {
  const normals = examples.filter((e) => !e.anomalous);
  const kinds = [...new Set(examples.filter((e) => e.anomalous).map((e) => e.tags[kindKey] ?? '?'))];
  return Object.fromEntries(kinds.map((kind) => [kind, groupMetrics([...normals, ...examples.filter((e) => e.anomalous && e.tags[kindKey] === kind)])]));
}

/** Rounds for reports: four decimals are plenty for AUCs on a few thousand examples. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
