/** Per-feature standardisation, stored with the model so prediction scales exactly as training did. */
export interface Scaler {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Fits mean and standard deviation per column of `columns` over finite values only.
 * A constant column gets std 1 rather than 0 so it scales to 0 instead of dividing by zero.
 */
export function fitScaler(columns: readonly ArrayLike<number>[]): Scaler {
  const mean: number[] = [];
  const std: number[] = [];
  for (const col of columns) {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i]!)) (sum += col[i]!), n++;
    const m = n > 0 ? sum / n : 0;
    let ss = 0;
    for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i]!)) ss += (col[i]! - m) ** 2;
    const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
    mean.push(m);
    std.push(sd > 1e-12 ? sd : 1);
  }
  return { mean, std };
}

/** `(x − mean) / std` for column `feature`. */
export function scaleValue(scaler: Scaler, feature: number, x: number): number {
  return (x - scaler.mean[feature]!) / scaler.std[feature]!;
}

/** Inverse of {@link scaleValue}. */
export function unscaleValue(scaler: Scaler, feature: number, z: number): number {
  return z * scaler.std[feature]! + scaler.mean[feature]!;
}
