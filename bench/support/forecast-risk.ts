import { assessFailureRisk, combineWithAnomaly, DEFAULT_CROSSING_RULE, type CrossingRule, type ForecastPoint, type OperatingLimits, type RiskLevel } from '@premonitor/forecasting';
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
 * Risk level at every origin, as the service computes it (same formula, the given limits, and
 * with `anomalyAt` the device's mean anomaly score at that origin combined in as the service
 * does), beside whether one of the next actual values of the horizon is outside the limits
 * (values past the end of the series count as not crossed). `crossing` picks the service's
 * rule (the default) or the one before, so one run measures both.
 */
export function riskTrack(
  y: ArrayLike<number>,
  start: number,
  stepMs: number,
  origins: readonly number[],
  forecasts: readonly (readonly ForecastPoint[] | undefined)[],
  limits: Required<OperatingLimits>,
  anomalyAt?: (origin: number) => number | undefined,
  crossing: CrossingRule = DEFAULT_CROSSING_RULE,
): RiskAtOrigin[] {
  const track: RiskAtOrigin[] = [];
  origins.forEach((o, i) => {
    const points = forecasts[i];
    if (!points || !Number.isFinite(y[o]!)) return;
    const crossed = points.some((p) => o + p.step < y.length && (y[o + p.step]! > limits.high || y[o + p.step]! < limits.low));
    const risk = assessFailureRisk({ sensorKey: 'value', lastValue: y[o]!, steps: points, limits, intervalLevel: 0.9, crossing });
    const level = anomalyAt ? combineWithAnomaly(risk, 'value', anomalyAt(o)).riskLevel : risk.riskLevel;
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

const WEEK_MS = 7 * 24 * 3_600_000;

/** Lead time and false alarms of a risk track against labelled windows. */
export interface LeadReport {
  /** Per window: hours from the first `high` episode reaching into it to the labelled anomaly (the window's centre, as NAB builds windows around it); null = never high in it. */
  readonly anomalyLeads: readonly (number | null)[];
  /** Per limit crossing of the actual values (outside → after inside): hours from the start of the `high` episode under way the step before to the crossing; null = not high then. */
  readonly crossingLeads: readonly (number | null)[];
  /** False episodes after which no limit was crossed within the horizon either (neither a window nor a real crossing followed). */
  readonly falseEpisodesNoCrossing: number;
  /** Per window ending after `from`: hours from the start of the first `high` episode that reaches into the window to the window's start; positive = ahead of it; null = never high in it. */
  readonly leads: readonly (number | null)[];
  /** Episodes of `high` (runs of consecutive high origins) that overlap no window: false alarms. */
  readonly falseEpisodes: number;
  readonly weeks: number;
  readonly falsePerWeek: number;
}

/**
 * Event-based, as NAB counts detections: the track's `high` origins form episodes (runs); an
 * episode that overlaps a labelled window warned of it, and its start against the window's
 * start is the lead (an episode that began before the window and lasted into it is a warning
 * ahead); an episode overlapping no window is a false alarm.
 */
export function leadReport(track: readonly RiskAtOrigin[], windows: readonly Window[], from: number, to: number, crossings: readonly number[] = []): LeadReport {
  const episodes: { start: number; end: number }[] = [];
  track.forEach((r, i) => {
    if (r.level !== 'high') return;
    if (track[i - 1]?.level === 'high') episodes[episodes.length - 1]!.end = r.time;
    else episodes.push({ start: r.time, end: r.time });
  });
  const overlaps = (e: { start: number; end: number }, [a, b]: Window) => e.start <= b && e.end >= a;
  const leads = windows
    .filter(([, b]) => b >= from)
    .map((w) => {
      const first = episodes.find((e) => overlaps(e, w));
      return first ? round((w[0] - first.start) / 3_600_000, 1) : null;
    });
  const anomalyLeads = windows
    .filter(([, b]) => b >= from)
    .map((w) => {
      const first = episodes.find((e) => overlaps(e, w));
      return first ? round((w[0] + w[1]) / 2 / 3_600_000 - first.start / 3_600_000, 1) : null;
    });
  const stepMs = track.length > 1 ? track[1]!.time - track[0]!.time : 0;
  const crossingLeads = crossings.map((c) => {
    const under = episodes.find((e) => e.start <= c - stepMs && e.end >= c - stepMs);
    return under ? round((c - under.start) / 3_600_000, 1) : null;
  });
  const falses = episodes.filter((e) => !windows.some((w) => overlaps(e, w)));
  const crossedAfter = (e: { start: number; end: number }) => track.some((r) => r.time >= e.start && r.time <= e.end && r.crossed);
  const weeks = (to - from) / WEEK_MS;
  return { leads, anomalyLeads, crossingLeads, falseEpisodes: falses.length, falseEpisodesNoCrossing: falses.filter((e) => !crossedAfter(e)).length, weeks: round(weeks, 1), falsePerWeek: round(falses.length / weeks, 2) };
}

/** Times at which the actual values went outside the limits (the first step outside after one inside), from `fromIndex`. */
export function limitCrossings(y: ArrayLike<number>, start: number, stepMs: number, limits: Required<OperatingLimits>, fromIndex: number): number[] {
  const outside = (v: number) => v > limits.high || v < limits.low;
  const out: number[] = [];
  for (let i = Math.max(1, fromIndex); i < y.length; i++) if (Number.isFinite(y[i]!) && Number.isFinite(y[i - 1]!) && outside(y[i]!) && !outside(y[i - 1]!)) out.push(start + i * stepMs);
  return out;
}
