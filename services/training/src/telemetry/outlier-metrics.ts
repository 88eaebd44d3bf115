/** Point counts of a detector against labels (SKAB's outlier-detection protocol). */
export interface OutlierCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

/** F1, false alarm rate (FP ÷ normal points) and missed alarm rate (FN ÷ abnormal points). */
export interface OutlierScores {
  readonly f1: number;
  readonly far: number;
  readonly mar: number;
}

/** Counts flags against labels over `[from, labels.length)`. */
export function countOutliers(labels: ArrayLike<number>, flags: ArrayLike<number>, from = 0): OutlierCounts {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = from; i < labels.length; i++) {
    const truth = labels[i]! > 0;
    const flag = flags[i]! > 0;
    if (truth && flag) tp++;
    else if (flag) fp++;
    else if (truth) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** Sums counts, as SKAB does when it concatenates the files before scoring. */
export function addCounts(counts: readonly OutlierCounts[]): OutlierCounts {
  return counts.reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn }), { tp: 0, fp: 0, fn: 0, tn: 0 });
}

/** F1, FAR and MAR of counts; F1 is 0 when nothing is flagged and nothing is abnormal is NaN. */
export function outlierScores(c: OutlierCounts): OutlierScores {
  const positives = c.tp + c.fn;
  return {
    f1: positives + c.fp === 0 ? Number.NaN : (2 * c.tp) / (2 * c.tp + c.fp + c.fn),
    far: c.fp + c.tn === 0 ? Number.NaN : c.fp / (c.fp + c.tn),
    mar: positives === 0 ? Number.NaN : c.fn / positives,
  };
}
