/** `all` reads every channel; `fast` leaves out the slow drifters (see {@link channelSelection}). */
export type ChannelSet = 'all' | 'fast';

/**
 * The channels a family reads. `fast` drops every channel whose lag-1 autocorrelation over
 * the training rows exceeds `maxLag1`: such a channel (a temperature warming through a run)
 * is nearly constant inside a 60-step window and wanders over the run, so the short healthy
 * span at the start cannot tell its drift from a fault. At least one channel is always kept
 * (the least autocorrelated), so a univariate series stays scorable.
 */
export function channelSelection(train: ArrayLike<number>, channels: number, set: ChannelSet, maxLag1: number): number[] {
  const all = Array.from({ length: channels }, (_, c) => c);
  if (set === 'all') return all;
  const lag1 = all.map((c) => lag1Autocorrelation(train, channels, c));
  const kept = all.filter((c) => !(lag1[c]! > maxLag1));
  return kept.length > 0 ? kept : [all.reduce((best, c) => (lag1[c]! < lag1[best]! ? c : best), 0)];
}

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

/** The given columns of row-major `[rows, channels]` data, in order. */
export function selectColumns(rows: ArrayLike<number>, channels: number, columns: readonly number[]): Float32Array {
  const n = rows.length / channels;
  const out = new Float32Array(n * columns.length);
  for (let r = 0; r < n; r++) columns.forEach((col, k) => (out[r * columns.length + k] = rows[r * channels + col]!));
  return out;
}
