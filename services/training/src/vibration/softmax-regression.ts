import type { LinearMap } from '@premonitor/ml';

/** Schedule of {@link fitSoftmaxRegression}. */
export interface SoftmaxRegressionOptions {
  readonly iterations: number;
  readonly learningRate: number;
  /** L2 penalty on the weights. */
  readonly l2: number;
}

/**
 * Multinomial logistic regression on standardised rows `[n, f]`, full-batch gradient descent
 * with Nesterov momentum from zero weights: deterministic, no seed needed, and a convex fit,
 * so the result does not depend on an initialisation.
 */
export function fitSoftmaxRegression(x: Float32Array, labels: readonly number[], classes: number, options: SoftmaxRegressionOptions): LinearMap {
  const n = labels.length;
  const f = x.length / n;
  const w = new Float64Array(f * classes);
  const b = new Float64Array(classes);
  const vw = new Float64Array(f * classes);
  const vb = new Float64Array(classes);
  const gw = new Float64Array(f * classes);
  const gb = new Float64Array(classes);
  const p = new Float64Array(classes);
  const momentum = 0.9;
  for (let it = 0; it < options.iterations; it++) {
    gw.fill(0);
    gb.fill(0);
    // Gradient at the look-ahead point (Nesterov).
    for (let r = 0; r < n; r++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) {
        let s = b[k]! + momentum * vb[k]!;
        for (let j = 0; j < f; j++) s += x[r * f + j]! * (w[j * classes + k]! + momentum * vw[j * classes + k]!);
        p[k] = s;
        if (s > max) max = s;
      }
      let total = 0;
      for (let k = 0; k < classes; k++) total += p[k] = Math.exp(p[k]! - max);
      for (let k = 0; k < classes; k++) {
        const d = p[k]! / total - (labels[r] === k ? 1 : 0);
        gb[k]! += d / n;
        for (let j = 0; j < f; j++) gw[j * classes + k]! += (d * x[r * f + j]!) / n;
      }
    }
    for (let i = 0; i < w.length; i++) {
      vw[i] = momentum * vw[i]! - options.learningRate * (gw[i]! + options.l2 * w[i]!);
      w[i]! += vw[i]!;
    }
    for (let k = 0; k < classes; k++) {
      vb[k] = momentum * vb[k]! - options.learningRate * gb[k]!;
      b[k]! += vb[k]!;
    }
  }
  return { kernel: Float32Array.from(w), bias: Float32Array.from(b) };
}
