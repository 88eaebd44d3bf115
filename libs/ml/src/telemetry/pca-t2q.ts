import { jacobiEigen } from '../linalg/jacobi-eigen.js';
import { WindowFitError } from './telemetry-errors.js';
import type { StandardScaler } from './standard-scaler.js';

/**
 * A closed-form PCA model of healthy, standardised rows: Hotelling's T² inside the principal
 * subspace plus the squared prediction error Q outside it, each divided by its training mean
 * and summed, so neither dominates by scale.
 */
export interface PcaT2Q {
  readonly scaler: StandardScaler;
  /** Principal directions, row-major `[channels, components]`. */
  readonly components: Float32Array;
  /** Variance along each direction (T² divides by it). */
  readonly eigenvalues: Float32Array;
  /** Training means of T² and Q. */
  readonly t2Mean: number;
  readonly qMean: number;
}

/** Options of {@link fitPcaT2Q}. */
export interface PcaT2QOptions {
  /** Keep the fewest directions that explain at least this share of the variance (default 0.9). */
  readonly explained?: number;
}

/** Fits {@link PcaT2Q} to standardised rows `[rows, channels]` (apply the scaler first). */
export function fitPcaT2Q(scaler: StandardScaler, scaled: ArrayLike<number>, options: PcaT2QOptions = {}): PcaT2Q {
  const c = scaler.mean.length;
  const n = scaled.length / c;
  if (!Number.isInteger(n) || n <= c) throw new WindowFitError(`PCA T²+Q needs more rows than its ${c} channels, got ${scaled.length / c}`);
  const cov = new Float64Array(c * c);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < c; a++) {
      const va = scaled[r * c + a]!;
      for (let b = 0; b <= a; b++) cov[a * c + b]! += va * scaled[r * c + b]!;
    }
  }
  for (let a = 0; a < c; a++) for (let b = 0; b <= a; b++) cov[b * c + a] = cov[a * c + b]! /= n - 1;
  const { values, vectors } = jacobiEigen(cov, c);
  const order = Array.from({ length: c }, (_, i) => i).sort((p, q) => values[q]! - values[p]!);
  const total = order.reduce((s, i) => s + Math.max(0, values[i]!), 0);
  const explained = options.explained ?? 0.9;
  let k = 0;
  for (let acc = 0; k < c && acc < explained * total; k++) acc += Math.max(0, values[order[k]!]!);
  k = Math.max(1, Math.min(k, c - 1));
  const components = new Float32Array(c * k);
  const eigenvalues = new Float32Array(k);
  order.slice(0, k).forEach((col, j) => {
    // Sign convention: largest entry positive, so the same data always gives the same file.
    let big = 0;
    for (let a = 1; a < c; a++) if (Math.abs(vectors[a * c + col]!) > Math.abs(vectors[big * c + col]!)) big = a;
    const sign = vectors[big * c + col]! < 0 ? -1 : 1;
    for (let a = 0; a < c; a++) components[a * k + j] = sign * vectors[a * c + col]!;
    eigenvalues[j] = Math.max(values[col]!, 1e-6);
  });
  const partial = { scaler, components, eigenvalues, t2Mean: 1, qMean: 1 };
  const stats = pointStatistics(partial, scaled);
  let t2 = 0;
  let q = 0;
  for (let r = 0; r < n; r++) {
    t2 += stats.t2[r]!;
    q += stats.q[r]!;
  }
  return { ...partial, t2Mean: Math.max(t2 / n, 1e-9), qMean: Math.max(q / n, 1e-9) };
}

/** T² and Q of every standardised row. */
export function pointStatistics(model: PcaT2Q, scaled: ArrayLike<number>): { t2: Float64Array; q: Float64Array } {
  const c = model.scaler.mean.length;
  const k = model.eigenvalues.length;
  const n = scaled.length / c;
  const t2 = new Float64Array(n);
  const q = new Float64Array(n);
  const t = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    let sT = 0;
    for (let j = 0; j < k; j++) {
      let v = 0;
      for (let a = 0; a < c; a++) v += scaled[r * c + a]! * model.components[a * k + j]!;
      t[j] = v;
      sT += (v * v) / model.eigenvalues[j]!;
    }
    let sQ = 0;
    for (let a = 0; a < c; a++) {
      let recon = 0;
      for (let j = 0; j < k; j++) recon += t[j]! * model.components[a * k + j]!;
      const e = scaled[r * c + a]! - recon;
      sQ += e * e;
    }
    t2[r] = sT;
    q[r] = sQ;
  }
  return { t2, q };
}

/**
 * The window error of the PCA family: `T²/mean(T²) + Q/mean(Q)` averaged over the last
 * `smooth` steps of each raw window `[n, steps, channels]`. The same arithmetic as the graph
 * `buildTelemetryModel` writes, in float64.
 */
export function pcaWindowErrors(model: PcaT2Q, windows: ArrayLike<number>, steps: number, smooth: number): Float64Array {
  const c = model.scaler.mean.length;
  const count = windows.length / (steps * c);
  const out = new Float64Array(count);
  const tail = new Float64Array(smooth * c);
  for (let w = 0; w < count; w++) {
    const from = (w * steps + steps - smooth) * c;
    for (let i = 0; i < smooth * c; i++) tail[i] = (windows[from + i]! - model.scaler.mean[i % c]!) / model.scaler.scale[i % c]!;
    const { t2, q } = pointStatistics(model, tail);
    let s = 0;
    for (let r = 0; r < smooth; r++) s += t2[r]! / model.t2Mean + q[r]! / model.qMean;
    out[w] = s / smooth;
  }
  return out;
}
