/** Lag-1 autocorrelation of one channel of row-major data; 0 for a constant channel. */
export function lag1Autocorrelation(rows: ArrayLike<number>, channels: number, channel: number): number {
  const n = rows.length / channels;
  let mean = 0;
  for (let r = 0; r < n; r++) mean += rows[r * channels + channel]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let r = 0; r < n; r++) {
    const d = rows[r * channels + channel]! - mean;
    den += d * d;
    if (r > 0) num += d * (rows[(r - 1) * channels + channel]! - mean);
  }
  return den > 0 ? num / den : 0;
}
