/** Accuracy, macro F1, per-class F1, mean absolute error and the confusion matrix of a classifier. */
export interface ClassMetrics {
  readonly n: number;
  readonly accuracy: number;
  /** Mean F1 over the classes that occur in the truth or the predictions (scikit-learn's choice). */
  readonly macro_f1: number;
  /** Per class (by index); NaN for a class absent from truth and predictions. */
  readonly f1: readonly number[];
  /** Mean |predicted − true| class index: meaningful for ordinal classes only. */
  readonly mae: number;
  /** `confusion[true][predicted]` counts. */
  readonly confusion: readonly (readonly number[])[];
}

/** Metrics of `predicted` against `truth` (class indices in [0, classes)); −1 truths are skipped. */
export function classMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`truth has ${truth.length} entries, predictions ${predicted.length}`);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let n = 0;
  let correct = 0;
  let absError = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    if (t < 0) continue;
    const p = predicted[i]!;
    if (!(t < classes && p >= 0 && p < classes)) throw new RangeError(`class out of range at ${i}: truth ${t}, predicted ${p}, ${classes} classes`);
    confusion[t]![p]! += 1;
    n++;
    if (t === p) correct++;
    absError += Math.abs(t - p);
  }
  const f1 = confusion.map((row, c) => {
    const tp = row[c]!;
    const actual = row.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, r) => a + r[c]!, 0);
    if (actual === 0 && predictedCount === 0) return Number.NaN;
    return (2 * tp) / (actual + predictedCount);
  });
  const present = f1.filter((v) => !Number.isNaN(v));
  return {
    n,
    accuracy: n > 0 ? correct / n : Number.NaN,
    macro_f1: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : Number.NaN,
    f1,
    mae: n > 0 ? absError / n : Number.NaN,
    confusion,
  };
}
