import { WindowFitError } from './telemetry-errors.js';

/** Per-channel standardisation `(x − mean) / scale`, fitted on healthy rows. */
export interface StandardScaler {
  readonly mean: Float32Array;
  readonly scale: Float32Array;
}

/**
 * Fits mean and standard deviation per channel of the row-major `[rows, channels]` data. A
 * channel that barely moves in training (a setpoint) gets the scale `floor` × its magnitude
 * (at least `floor`), so a later change of it still shows without dividing by zero.
 */
export function fitStandardScaler(rows: ArrayLike<number>, channels: number, floor = 1e-3): StandardScaler {
  const n = rows.length / channels;
  if (!Number.isInteger(n) || n < 2) throw new WindowFitError(`fitting a scaler needs at least 2 rows of ${channels} channels, got ${rows.length} values`);
  const mean = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]!;
    if (!Number.isFinite(v)) throw new WindowFitError(`training row ${Math.floor(i / channels)}, channel ${i % channels} is ${String(v)}`);
    mean[i % channels]! += v;
  }
  for (let c = 0; c < channels; c++) mean[c]! /= n;
  for (let i = 0; i < rows.length; i++) {
    const d = rows[i]! - mean[i % channels]!;
    sq[i % channels]! += d * d;
  }
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const sd = Math.sqrt(sq[c]! / (n - 1));
    scale[c] = Math.max(sd, floor * Math.max(1, Math.abs(mean[c]!)));
  }
  return { mean: Float32Array.from(mean), scale };
}

/** Applies the scaler to row-major data (any number of rows). */
export function applyScaler(scaler: StandardScaler, rows: ArrayLike<number>): Float32Array {
  const c = scaler.mean.length;
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = (rows[i]! - scaler.mean[i % c]!) / scaler.scale[i % c]!;
  return out;
}
