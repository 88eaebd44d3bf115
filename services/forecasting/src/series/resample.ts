/** One timestamped observation, time in ms since the epoch. */
export interface TimedValue {
  readonly time: number;
  readonly value: number;
}

/**
 * A series on a regular grid: `values[i]` is the mean of the observations in
 * `[start + i·stepMs, start + (i+1)·stepMs)`; `NaN` marks a slot with none (a gap).
 */
export interface RegularSeries {
  readonly start: number;
  readonly stepMs: number;
  readonly values: Float64Array;
}

/**
 * The sensor's step: the median of the positive spacings between consecutive observations.
 * The median, not the mean, so a few long outages or bursts do not change the grid.
 * Returns `undefined` with fewer than two distinct timestamps.
 */
export function inferStepMs(points: readonly TimedValue[]): number | undefined {
  const diffs: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const d = points[i]!.time - points[i - 1]!.time;
    if (d > 0) diffs.push(d);
  }
  if (diffs.length === 0) return undefined;
  diffs.sort((a, b) => a - b);
  return snapStep(diffs[Math.floor(diffs.length / 2)]!);
}

const NICE_STEPS_MS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

/**
 * Device clocks jitter, so a 1-minute sensor's median spacing may be 60.7 s; snapping to a
 * usual step within 5 % keeps the grid (and calendar features) on round times.
 */
function snapStep(ms: number): number {
  const nice = NICE_STEPS_MS.find((s) => Math.abs(ms - s) <= 0.05 * s);
  return nice ?? (ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms);
}

/**
 * Buckets time-ordered observations onto a grid of `stepMs` aligned to multiples of the
 * step (so two sensors of one device land on the same grid), averaging duplicates within
 * a slot. Non-finite values are dropped. `start` forces the first slot (for aligning a
 * second sensor to a target's grid); `slots` bounds the length.
 */
export function resampleToStep(points: readonly TimedValue[], stepMs: number, grid?: { start: number; slots: number }): RegularSeries {
  const finite = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.time));
  if (finite.length === 0 && !grid) return { start: 0, stepMs, values: new Float64Array(0) };
  const start = grid?.start ?? Math.floor(finite[0]!.time / stepMs) * stepMs;
  const slots = grid?.slots ?? Math.floor((finite[finite.length - 1]!.time - start) / stepMs) + 1;
  const sums = new Float64Array(slots);
  const counts = new Uint32Array(slots);
  for (const p of finite) {
    const slot = Math.floor((p.time - start) / stepMs);
    if (slot < 0 || slot >= slots) continue;
    sums[slot]! += p.value;
    counts[slot]! += 1;
  }
  const values = new Float64Array(slots);
  for (let i = 0; i < slots; i++) values[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : Number.NaN;
  return { start, stepMs, values };
}

/**
 * Fills runs of at most `maxGapSteps` missing slots by linear interpolation between the
 * neighbours; longer runs stay `NaN` because inventing a long stretch would teach the model
 * a straight line. Leading and trailing gaps (no neighbour on one side) stay `NaN` too.
 * Returns a new series and how many slots were filled.
 */
export function fillShortGaps(series: RegularSeries, maxGapSteps: number): { series: RegularSeries; filled: number } {
  const v = Float64Array.from(series.values);
  let filled = 0;
  let i = 0;
  while (i < v.length) {
    if (!Number.isNaN(v[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < v.length && Number.isNaN(v[j]!)) j++;
    const gap = j - i;
    if (i > 0 && j < v.length && gap <= maxGapSteps) {
      const a = v[i - 1]!;
      const b = v[j]!;
      for (let k = i; k < j; k++) v[k] = a + ((b - a) * (k - i + 1)) / (gap + 1);
      filled += gap;
    }
    i = j;
  }
  return { series: { ...series, values: v }, filled };
}

/** Length of the trailing run of finite values: how much usable recent history there is. */
export function trailingRunLength(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = values.length - 1; i >= 0 && Number.isFinite(values[i]!); i--) n++;
  return n;
}
