import { jacobiEigen } from '@premonitor/ml';
import { SeededRandom } from '@premonitor/ml/data';

/**
 * A probabilistic PCA of normal images: their mean, the `k` main directions of variation with
 * their variances, and the variance left in the other directions. A novel image's error is
 * `Σ zᵢ²/λᵢ + ‖residual‖²/σ²` (the Mahalanobis distance in the subspace plus the residual
 * energy against the mean variance outside it), divided by the dimension.
 */
export interface NormalSubspace {
  readonly dim: number;
  readonly mean: Float32Array;
  /** `[k × dim]` row-major orthonormal directions. */
  readonly directions: Float32Array;
  readonly variances: Float32Array;
  /** Mean variance per dimension outside the subspace. */
  readonly residualVariance: number;
}

/** Mirrored layouts the image class is invariant to (left–right, top–bottom, both). */
export type Mirror = (index: number) => number;

/**
 * Fits the subspace to `images` (each `dim` values) and their mirror images: the covariance is
 * computed once and averaged over the mirror permutations, which equals the covariance of the
 * mirrored set without storing it. The top `k` eigenvectors come from seeded subspace iteration
 * (30 rounds with re-orthonormalisation, then Rayleigh–Ritz), so a fit is deterministic.
 */
export function fitNormalSubspace(images: readonly Float32Array[], dim: number, k: number, mirrors: readonly Mirror[], seed: number): NormalSubspace {
  const n = images.length;
  const mean = new Float64Array(dim);
  for (const img of images) for (let a = 0; a < dim; a++) mean[a]! += img[a]!;
  for (let a = 0; a < dim; a++) mean[a]! /= n;
  const raw = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (const img of images) {
    for (let a = 0; a < dim; a++) d[a] = img[a]! - mean[a]!;
    for (let a = 0; a < dim; a++) {
      const da = d[a]!;
      if (da === 0) continue;
      const row = a * dim;
      for (let b = 0; b <= a; b++) raw[row + b]! += da * d[b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) raw[b * dim + a] = raw[a * dim + b]!;
  // Average over the identity and each mirror: C' = mean over P of P·C·Pᵀ, and the mean likewise.
  const perms: Mirror[] = [(i) => i, ...mirrors];
  const cov = new Float64Array(dim * dim);
  const meanAll = new Float64Array(dim);
  for (const p of perms) {
    for (let a = 0; a < dim; a++) {
      meanAll[p(a)]! += mean[a]! / perms.length;
      for (let b = 0; b < dim; b++) cov[p(a) * dim + p(b)]! += raw[a * dim + b]! / (n * perms.length);
    }
  }
  // The mirrored means differ from each other; their spread is variance of the mirrored set too.
  for (const p of perms) {
    for (let a = 0; a < dim; a++) {
      const da = mean[a]! - meanAll[p(a)]!;
      for (let b = 0; b < dim; b++) cov[p(a) * dim + p(b)]! += (da * (mean[b]! - meanAll[p(b)]!)) / perms.length;
    }
  }
  const { vectors, values } = topEigen(cov, dim, k, seed);
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += cov[a * dim + a]!;
  const kept = values.reduce((s, v) => s + v, 0);
  return {
    dim,
    mean: Float32Array.from(meanAll),
    directions: Float32Array.from(vectors),
    variances: Float32Array.from(values, (v) => Math.max(v, 1e-9)),
    residualVariance: Math.max((trace - kept) / Math.max(dim - k, 1), 1e-9),
  };
}

/** The error of one image under the subspace model (see {@link NormalSubspace}). */
export function subspaceError(model: NormalSubspace, image: Float32Array): number {
  const { dim, mean, directions, variances } = model;
  let total = 0;
  for (let a = 0; a < dim; a++) total += (image[a]! - mean[a]!) ** 2;
  let inside = 0;
  let projected = 0;
  for (let j = 0; j < variances.length; j++) {
    let z = 0;
    for (let a = 0; a < dim; a++) z += (image[a]! - mean[a]!) * directions[j * dim + a]!;
    inside += (z * z) / variances[j]!;
    projected += z * z;
  }
  return (inside + (total - projected) / model.residualVariance) / dim;
}

/** The image mirror permutations of a `height × width` row-major image. */
export function imageMirrors(height: number, width: number): Mirror[] {
  const lr: Mirror = (i) => Math.floor(i / width) * width + (width - 1 - (i % width));
  const tb: Mirror = (i) => (height - 1 - Math.floor(i / width)) * width + (i % width);
  return [lr, tb, (i) => lr(tb(i))];
}

function topEigen(cov: Float64Array, dim: number, k: number, seed: number): { vectors: Float64Array; values: number[] } {
  const random = new SeededRandom(seed);
  let q = new Float64Array(k * dim).map(() => random.next() - 0.5);
  orthonormalise(q, k, dim);
  const next = new Float64Array(k * dim);
  for (let round = 0; round < 30; round++) {
    multiply(cov, q, next, k, dim);
    q = Float64Array.from(next);
    orthonormalise(q, k, dim);
  }
  // Rayleigh–Ritz: eigen-decompose the k×k projection and rotate the basis.
  multiply(cov, q, next, k, dim);
  const small = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let a = 0; a < dim; a++) s += q[i * dim + a]! * next[j * dim + a]!;
    small[i * k + j] = s;
  }
  const { values, vectors } = jacobiEigen(small, k);
  const order = Array.from(values).map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const out = new Float64Array(k * dim);
  order.forEach(([, col], row) => {
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += vectors[j * k + col]! * q[j * dim + a]!;
      out[row * dim + a] = s;
    }
  });
  return { vectors: out, values: order.map(([v]) => v) };
}

/** `out[j] = cov · q[j]` for each of the k rows of q. */
function multiply(cov: Float64Array, q: Float64Array, out: Float64Array, k: number, dim: number): void {
  for (let j = 0; j < k; j++) {
    for (let a = 0; a < dim; a++) {
      let s = 0;
      const row = a * dim;
      for (let b = 0; b < dim; b++) s += cov[row + b]! * q[j * dim + b]!;
      out[j * dim + a] = s;
    }
  }
}

/** Modified Gram–Schmidt on the k rows. */
function orthonormalise(q: Float64Array, k: number, dim: number): void {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let a = 0; a < dim; a++) dot += q[i * dim + a]! * q[j * dim + a]!;
      for (let a = 0; a < dim; a++) q[j * dim + a]! -= dot * q[i * dim + a]!;
    }
    let norm = 0;
    for (let a = 0; a < dim; a++) norm += q[j * dim + a]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let a = 0; a < dim; a++) q[j * dim + a]! /= norm;
  }
}
