import { cholesky } from '@premonitor/ml';
import type { FoldedDense } from '../onnx/folded-dense-stack.js';

/** Options of {@link fitGaussianWhitening}. */
export interface GaussianFitOptions {
  /** Shrinkage toward a scaled identity, as a fraction of the mean variance (default 0.01). */
  readonly shrinkage?: number;
}

/**
 * Fits one Gaussian to healthy feature rows (`[n × dim]`) and returns the whitening map as
 * a linear layer: `z = x·M + b` with `M = L⁻ᵀ` (Σ = L·Lᵀ, Cholesky) and `b = −μ·M`, so
 * `mean(z²) = (x − μ)ᵀ Σ⁻¹ (x − μ) / dim`, the squared Mahalanobis distance per dimension.
 *
 * Why not only the autoencoder: on held-out synthetic machines this closed-form model
 * ranked anomalies better than the DCASE-style autoencoder trained for the few minutes a
 * shared 2-core host allows (see models/README.md), and it fits in seconds.
 */
export function fitGaussianWhitening(rows: Float32Array, dim: number, options: GaussianFitOptions = {}): FoldedDense {
  const n = rows.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let a = 0; a < dim; a++) mean[a]! += rows[r * dim + a]!;
  for (let a = 0; a < dim; a++) mean[a]! /= n;
  const cov = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < dim; a++) d[a] = rows[r * dim + a]! - mean[a]!;
    // Lower triangle only; mirrored below.
    for (let a = 0; a < dim; a++) {
      const da = d[a]!;
      const row = a * dim;
      for (let b = 0; b <= a; b++) cov[row + b]! += da * d[b]!;
    }
  }
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += cov[a * dim + a]! / n;
  const ridge = ((options.shrinkage ?? 0.01) * trace) / dim;
  for (let a = 0; a < dim; a++) for (let b = 0; b <= a; b++) cov[a * dim + b] = cov[a * dim + b]! / n + (a === b ? ridge : 0);

  const lower = cholesky(cov, dim);
  const inv = invertLower(lower, dim);
  // M = L⁻ᵀ: M[i][j] = inv[j][i].
  const kernel = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) kernel[i * dim + j] = inv[j * dim + i]!;
  const bias = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += mean[i]! * kernel[i * dim + j]!;
    bias[j] = -s;
  }
  return { inputs: dim, units: dim, kernel, bias, relu: false };
}

/** Inverse of a lower-triangular matrix by forward substitution, column by column. */
function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    inv[c * n + c] = 1 / l[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s += l[i * n + k]! * inv[k * n + c]!;
      inv[i * n + c] = -s / l[i * n + i]!;
    }
  }
  return inv;
}
