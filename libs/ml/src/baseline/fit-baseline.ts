import { jacobiEigen } from '../linalg/jacobi-eigen.js';
import { BaselineError, baselineLength, type BaselineSpec, type SubspaceDistanceSpec } from './baseline-spec.js';
import { fitDeviceThreshold, leaveOneOutLogDistances, sharedThresholdFloor, type ThresholdTarget } from './device-threshold.js';

/** Options of {@link fitBaseline}. */
export interface FitBaselineOptions {
  /** Overrides the model's false-alarm target of a baseline with a threshold. */
  readonly threshold?: ThresholdTarget;
}

/**
 * Fits a device's baseline from the embeddings of its healthy enrollment samples, row-major
 * in the model's `baseline` input layout ({@link baselineShape}):
 *
 * - `mean`: `[mean]`; with `spec.threshold`, `[mean, [center, scale, 0 …]]`: the device's
 *   own threshold on its ln distance, from the leave-one-out distances of its samples
 *   (`fitDeviceThreshold`);
 * - `subspace`: `[mean, v₁ … v_K, spread]`: the top-K principal directions of the centred
 *   embeddings (unit vectors), then the per-dimension standard deviation of what they leave,
 *   corrected for the K + 1 fitted degrees of freedom, plus `noiseFloor`. With
 *   `spec.threshold`, the device's own threshold (`fitDeviceThreshold` on the held-out ln
 *   distances of its samples, {@link heldOutLogDistances}) is put where the model's shared
 *   calibration has score 0.5 by scaling the spread row: the distance is |residual ÷ spread|
 *   pooled, so spread × α divides it by α and moves its ln by −ln α, with
 *   α = exp(own threshold − `logDistanceAtThreshold`), the own threshold no lower than
 *   `sharedThresholdFloor` when the spec has `sharedQuantile`. The layout and the graph stay as they
 *   are, so a model, stored baselines and the edge need no new row; only the logistic slope
 *   stays shared.
 *
 * The same function runs in training (so the evaluation uses what the services will use),
 * in the inference service and on the edge agent.
 */
export function fitBaseline(spec: BaselineSpec, embeddings: readonly Float32Array[], options: FitBaselineOptions = {}): Float32Array {
  const n = embeddings.length;
  const d = spec.embedding;
  const k = spec.method === 'subspace' ? spec.components ?? 0 : 0;
  if (n < 2 || (spec.method === 'subspace' && n <= k + 1)) {
    throw new BaselineError(`a ${spec.method} baseline needs at least ${spec.method === 'subspace' ? k + 2 : 2} samples, got ${n}`);
  }
  for (const e of embeddings) {
    if (e.length !== d) throw new BaselineError(`embedding has ${e.length} values; the model's baseline expects ${d}`);
    for (let j = 0; j < d; j++) if (!Number.isFinite(e[j]!)) throw new BaselineError('embedding holds a value that is not finite');
  }
  const out = new Float32Array(baselineLength(spec));
  const mean = new Float64Array(d);
  for (const e of embeddings) for (let j = 0; j < d; j++) mean[j]! += e[j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  out.set(mean, 0);
  if (spec.method === 'mean') {
    if (spec.threshold) {
      const { center, scale } = fitDeviceThreshold(spec.threshold, leaveOneOutLogDistances(embeddings, mean), options.threshold);
      out[d] = center;
      out[d + 1] = scale;
    }
    return out;
  }

  fitSubspace(spec, embeddings, mean, out);
  if (spec.threshold) {
    const own = fitDeviceThreshold(spec.threshold, heldOutLogDistances(spec, embeddings), options.threshold);
    const center = Math.max(own.center, sharedThresholdFloor(spec.threshold, options.threshold));
    const factor = Math.exp(center - spec.threshold.logDistanceAtThreshold!);
    const spreadRow = ((spec.components ?? 0) + 1) * d;
    for (let j = 0; j < d; j++) out[spreadRow + j] = out[spreadRow + j]! * factor;
  }
  return out;
}

/** Writes directions and residual spread of a `subspace` baseline after `mean` (already in `out`). */
function fitSubspace(spec: BaselineSpec, embeddings: readonly Float32Array[], mean: Float64Array, out: Float32Array): void {
  const n = embeddings.length;
  const d = spec.embedding;
  const k = spec.components ?? 0;
  const centred = embeddings.map((e) => Float64Array.from(e, (v, j) => v - mean[j]!));
  const directions = principalDirections(centred, k);
  directions.forEach((v, c) => out.set(v, (1 + c) * d));
  const spread = new Float64Array(d);
  for (const x of centred) {
    const residual = Float64Array.from(x);
    for (const v of directions) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += x[j]! * v[j]!;
      for (let j = 0; j < d; j++) residual[j]! -= dot * v[j]!;
    }
    for (let j = 0; j < d; j++) spread[j]! += residual[j]! * residual[j]!;
  }
  const dof = n - k - 1;
  const floor = spec.noiseFloor ?? 0;
  for (let j = 0; j < d; j++) out[(k + 1) * d + j] = Math.sqrt(spread[j]! / dof) + floor;
}

/** Held-out folds of a subspace threshold: leave-one-out up to this many samples, else this many folds (the fit is cubic in n). */
const MAX_FOLDS = 16;

/**
 * ln of each enrollment sample's subspace distance from a baseline fitted *without* it (sample
 * i is held out in fold i mod F; F = n up to 16 samples, else 16): a sample's distance from a
 * subspace and spread it helped fit understates how far a new healthy frame lands.
 */
export function heldOutLogDistances(spec: BaselineSpec, embeddings: readonly Float32Array[]): number[] {
  const distance = spec.distance;
  if (spec.method !== 'subspace' || !distance) throw new BaselineError('held-out distances need a subspace baseline with a distance spec');
  const n = embeddings.length;
  const d = spec.embedding;
  const folds = Math.min(n, MAX_FOLDS);
  const out = new Array<number>(n);
  const baseline = new Float32Array(baselineLength(spec));
  for (let f = 0; f < folds; f++) {
    const kept = embeddings.filter((_, i) => i % folds !== f);
    if (kept.length <= (spec.components ?? 0) + 1) throw new BaselineError(`too few samples (${n}) to hold some out and still fit ${spec.components ?? 0} directions`);
    const mean = new Float64Array(d);
    for (const e of kept) for (let j = 0; j < d; j++) mean[j]! += e[j]!;
    for (let j = 0; j < d; j++) mean[j]! /= kept.length;
    baseline.set(mean, 0);
    fitSubspace(spec, kept, mean, baseline);
    for (let i = f; i < n; i += folds) out[i] = Math.log(Math.max(subspaceDistance(spec, distance, baseline, embeddings[i]!), 1e-12));
  }
  return out;
}

/** The graph's device distance of one embedding from a `subspace` baseline (`SubspaceDistanceSpec`). */
export function subspaceDistance(spec: BaselineSpec, distance: SubspaceDistanceSpec, baseline: Float32Array, embedding: Float32Array): number {
  const d = spec.embedding;
  const k = spec.components ?? 0;
  const residual = new Float64Array(d);
  for (let j = 0; j < d; j++) residual[j] = embedding[j]! - baseline[j]!;
  // Coefficients from the residual before any direction is removed, as the graph's one MatMul does.
  const coefficients = Array.from({ length: k }, (_, c) => {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += residual[j]! * baseline[(1 + c) * d + j]!;
    return dot;
  });
  coefficients.forEach((a, c) => {
    for (let j = 0; j < d; j++) residual[j]! -= a * baseline[(1 + c) * d + j]!;
  });
  const { height, width, pool, top } = distance;
  const z = new Float64Array(d);
  for (let j = 0; j < d; j++) z[j] = Math.abs(residual[j]! / baseline[(1 + k) * d + j]!);
  const pooled = new Float64Array(d);
  const r = (pool - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let count = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          sum += z[yy * width + xx]!;
          count++;
        }
      }
      pooled[y * width + x] = sum / count;
    }
  }
  const largest = Array.from(pooled).sort((a, b) => b - a).slice(0, top);
  return largest.reduce((a, v) => a + v, 0) / top;
}

/**
 * The `k` leading eigenvectors of `XᵀX` for the n × d rows `x`, computed through the n × n
 * Gram matrix `XXᵀ` (n ≪ d here) with cyclic Jacobi rotations: exact and deterministic,
 * which matters because the core and the edge must fit identical baselines.
 */
function principalDirections(x: readonly Float64Array[], k: number): Float64Array[] {
  const n = x.length;
  const d = x[0]!.length;
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      const xa = x[a]!;
      const xb = x[b]!;
      for (let j = 0; j < d; j++) s += xa[j]! * xb[j]!;
      gram[a * n + b] = s;
      gram[b * n + a] = s;
    }
  }
  const { values, vectors } = jacobiEigen(gram, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => values[q]! - values[p]!);
  const directions: Float64Array[] = [];
  for (const i of order.slice(0, k)) {
    const v = new Float64Array(d);
    for (let a = 0; a < n; a++) {
      const w = vectors[a * n + i]!;
      const xa = x[a]!;
      for (let j = 0; j < d; j++) v[j]! += w * xa[j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm);
    // A direction without variance (all samples identical) contributes nothing; keep it zero.
    if (norm > 1e-12) for (let j = 0; j < d; j++) v[j]! /= norm;
    else v.fill(0);
    // Fix the sign so the same data always gives the same vector.
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    directions.push(v);
  }
  return directions;
}
