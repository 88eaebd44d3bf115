import { lag1Autocorrelation } from '@premonitor/ml';

export { lag1Autocorrelation };
/** `all` reads every channel; `fast` leaves out the slow drifters (see {@link channelSelection}). */
export type ChannelSet = 'all' | 'fast';

/** The channels one family reads, by index into the series' channels. */
export interface ChannelChoice {
  readonly set: ChannelSet;
  readonly channels: readonly number[];
}

/**
 * The channel sets the validation tries. `fast` leaves out every channel whose median lag-1
 * autocorrelation over the healthy training spans of `spans` (one per recording of the same
 * kind of machine) exceeds `maxLag1`: such a channel — a temperature warming through a run —
 * is nearly constant inside a 60-step window and wanders over a run, so a short healthy span
 * cannot tell its drift from a fault. Only healthy, unlabelled rows are read. At least one
 * channel is always kept (the least autocorrelated), so a univariate series stays scorable;
 * `fast` is left out when it equals `all`.
 */
export function channelChoices(spans: readonly ArrayLike<number>[], channels: number, maxLag1: number): ChannelChoice[] {
  const all = Array.from({ length: channels }, (_, c) => c);
  const median = all.map((c) => {
    const values = spans.map((span) => lag1Autocorrelation(span, channels, c)).sort((a, b) => a - b);
    const mid = values.length / 2;
    return values.length % 2 ? values[Math.floor(mid)]! : (values[mid - 1]! + values[mid]!) / 2;
  });
  let fast = all.filter((c) => !(median[c]! > maxLag1));
  if (fast.length === 0) fast = [all.reduce((best, c) => (median[c]! < median[best]! ? c : best), 0)];
  return fast.length === channels ? [{ set: 'all', channels: all }] : [{ set: 'all', channels: all }, { set: 'fast', channels: fast }];
}

/** The given columns of row-major `[rows, channels]` data, in order. */
export function selectColumns(rows: ArrayLike<number>, channels: number, columns: readonly number[]): Float32Array {
  const n = rows.length / channels;
  const out = new Float32Array(n * columns.length);
  for (let r = 0; r < n; r++) columns.forEach((col, k) => (out[r * columns.length + k] = rows[r * channels + col]!));
  return out;
}
