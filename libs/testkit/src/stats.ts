/** Nearest-rank percentile of `samples` (0 when empty); `p` in 0–100. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Rounds to `digits` decimals, for the JSON line. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** 123456.7 → "123,457". */
export function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
