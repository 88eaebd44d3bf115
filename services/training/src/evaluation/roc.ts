/** One labelled score: higher means "more anomalous". */
export interface ScoredExample {
  readonly score: number;
  readonly anomalous: boolean;
}

/** A point of a ROC curve. */
export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
}

/**
 * The ROC curve as a staircase from (0,0) to (1,1). Tied scores form one diagonal step,
 * so the area under it equals the Mann–Whitney statistic with ties counted as ½.
 */
export function rocCurve(examples: readonly ScoredExample[]): RocPoint[] {
  const positives = examples.filter((e) => e.anomalous).length;
  const negatives = examples.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const sorted = [...examples].sort((a, b) => b.score - a.score);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; ) {
    const score = sorted[i]!.score;
    while (i < sorted.length && sorted[i]!.score === score) {
      if (sorted[i]!.anomalous) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / negatives, tpr: tp / positives });
  }
  return points;
}

/** Area under the ROC curve; NaN when one class is missing. */
export function auc(examples: readonly ScoredExample[]): number {
  return partialAuc(examples, 1);
}

/**
 * DCASE's normalised partial AUC: the area under the ROC curve for FPR in [0, maxFpr]
 * divided by maxFpr, so a perfect detector scores 1 and a random one `maxFpr / 2`.
 */
export function partialAuc(examples: readonly ScoredExample[], maxFpr: number): number {
  const roc = rocCurve(examples);
  if (roc.length === 0) return Number.NaN;
  let area = 0;
  for (let i = 1; i < roc.length; i++) {
    const a = roc[i - 1]!;
    const b = roc[i]!;
    if (a.fpr >= maxFpr) break;
    const x1 = Math.min(b.fpr, maxFpr);
    // Linear interpolation inside a diagonal (tied) step, as sklearn's roc_auc_score does.
    const t1 = b.fpr === a.fpr ? b.tpr : a.tpr + ((b.tpr - a.tpr) * (x1 - a.fpr)) / (b.fpr - a.fpr);
    area += ((x1 - a.fpr) * (a.tpr + t1)) / 2;
  }
  return area / maxFpr;
}

/**
 * The best recall reachable while the false-positive rate stays at or below `maxFpr`
 * (the threshold chosen on the evaluated data itself: an operating-point figure, not a
 * calibrated one).
 */
export function recallAtFpr(examples: readonly ScoredExample[], maxFpr: number): number {
  let best = 0;
  for (const p of rocCurve(examples)) if (p.fpr <= maxFpr + 1e-12) best = Math.max(best, p.tpr);
  return best;
}

/** The `q`-quantile (0…1) of `values` with linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
