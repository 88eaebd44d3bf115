import { assessFailureRisk, type ForecastPoint, type OperatingLimits, type RiskLevel } from '@premonitor/forecasting';
import { round } from '@premonitor/testkit';

/** The risk of one forecast origin and whether a limit was actually crossed within its horizon. */
export interface RiskAtOrigin {
  readonly time: number;
  readonly level: RiskLevel;
  readonly crossed: boolean;
}

/** Labelled anomaly window [start, end] in ms. */
export type Window = readonly [number, number];

/**
 * Risk level at every origin, as the service computes it (same formula, the given limits),
 * beside whether one of the next actual values of the horizon is outside the limits (values
 * past the end of the series count as not crossed).
 */
export function riskTrack(y: ArrayLike<number>, start: number, stepMs: number, origins: readonly number[], forecasts: readonly (readonly ForecastPoint[] | undefined)[], limits: Required<OperatingLimits>): RiskAtOrigin[] {
  const track: RiskAtOrigin[] = [];
  origins.forEach((o, i) => {
    const points = forecasts[i];
    if (!points || !Number.isFinite(y[o]!)) return;
    const crossed = points.some((p) => o + p.step < y.length && (y[o + p.step]! > limits.high || y[o + p.step]! < limits.low));
    const level = assessFailureRisk({ sensorKey: 'value', lastValue: y[o]!, steps: points, limits, intervalLevel: 0.9 }).riskLevel;
    track.push({ time: start + o * stepMs, level, crossed });
  });
  return track;
}

/** Origins outside every window: how often the level was high, and how often a limit really was crossed. */
export function outsideRates(track: readonly RiskAtOrigin[], windows: readonly Window[]): { high: number; crossed: number; origins: number } {
  const outside = track.filter((r) => !windows.some(([a, b]) => r.time >= a && r.time <= b));
  const n = Math.max(1, outside.length);
  return { high: round(outside.filter((r) => r.level === 'high').length / n, 4), crossed: round(outside.filter((r) => r.crossed).length / n, 4), origins: outside.length };
}

/** Per window that ends after `from`: whether the level reached high inside it, and how many hours after its start it first did. */
export function windowOutcomes(track: readonly RiskAtOrigin[], windows: readonly Window[], from: number) {
  return windows
    .filter(([, b]) => b >= from)
    .map(([a, b]) => {
      const inside = track.filter((r) => r.time >= a && r.time <= b);
      const firstHigh = inside.find((r) => r.level === 'high');
      return {
        start: new Date(a).toISOString(),
        high: firstHigh !== undefined,
        hours_to_high: firstHigh ? round((firstHigh.time - a) / 3_600_000, 1) : null,
        medium_or_high: inside.some((r) => r.level !== 'low'),
        origins: inside.length,
      };
    });
}
