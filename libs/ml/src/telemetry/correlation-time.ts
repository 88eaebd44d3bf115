/** Integrated autocorrelation time of one channel over lags 1…`lags`: 1 + 2 Σ ρ_k (1 for white noise). */
export function correlationTime(rows: ArrayLike<number>, channels: number, channel: number, lags: number): number {
  const n = rows.length / channels;
  let mean = 0;
  for (let r = 0; r < n; r++) mean += rows[r * channels + channel]!;
  mean /= n;
  let variance = 0;
  for (let r = 0; r < n; r++) variance += (rows[r * channels + channel]! - mean) ** 2;
  if (!(variance > 0)) return 1;
  let sum = 0;
  for (let k = 1; k <= Math.min(lags, n - 1); k++) {
    let s = 0;
    for (let r = k; r < n; r++) s += (rows[r * channels + channel]! - mean) * (rows[(r - k) * channels + channel]! - mean);
    sum += s / variance;
  }
  return 1 + 2 * sum;
}
