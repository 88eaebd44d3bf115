import type { ScoredExample } from './roc.js';

/** Counts at one decision threshold; "positive" means flagged as anomalous. */
export interface ConfusionMatrix {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Precision, recall and F1 at a threshold, with the counts behind them. */
export interface ThresholdMetrics {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False-positive rate on the normal examples. */
  readonly fpr: number;
  readonly confusion: ConfusionMatrix;
}

/** Scores at or above `threshold` count as anomalous. */
export function thresholdMetrics(examples: readonly ScoredExample[], threshold: number): ThresholdMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const e of examples) {
    const flagged = e.score >= threshold;
    if (e.anomalous) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  // Conventions for empty denominators follow sklearn's zero_division=0.
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, precision, recall, f1, fpr: fp + tn === 0 ? 0 : fp / (fp + tn), confusion: { tp, fp, tn, fn } };
}
