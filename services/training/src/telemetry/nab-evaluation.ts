import { disposeFitted, fitFamilies } from './window-detectors.js';
import { flagsFor } from './family-selection.js';
import type { DetectorChoice } from './family-selection.js';
import type { NabSeries } from './nab-data.js';
import type { TelemetryPlan } from './telemetry-plan.js';

/** How one NAB series fares under a fixed detector choice. */
export interface NabResult {
  readonly name: string;
  readonly choice: DetectorChoice;
  /** Labelled windows after the training span, and how many got at least one flag inside. */
  readonly windows: number;
  readonly windowsFlagged: number;
  /** Hours from each flagged window's start to its first flag. */
  readonly delayH: readonly number[];
  /** Alarm episodes (a run of flags) that start outside every labelled window. */
  readonly falseEpisodes: number;
  readonly falsePerWeek: number;
  readonly weeksScored: number;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * NAB as univariate cases: every family fitted on the first `nabTrainShare` of the series
 * (NAB's probationary period), scored on the rest with a choice made elsewhere (on SKAB), so
 * nothing is tuned to these series. A window counts as found when a flag falls inside it.
 */
export async function evaluateNab(series: readonly NabSeries[], plan: TelemetryPlan, choice: DetectorChoice): Promise<NabResult[]> {
  const results: NabResult[] = [];
  for (const s of series) {
    const trainRows = Math.floor(s.values.length * plan.nabTrainShare);
    const models = await fitFamilies(s.values, 1, trainRows, plan.detector, plan.seed, { withConvAe: !choice.family.includes('/pca-t2q/'), sets: [{ set: choice.family.startsWith('fast/') ? 'fast' : 'all', channels: [0] }] });
    disposeFitted(models);
    const flags = flagsFor({ name: s.name, labels: s.labels, testFrom: trainRows, families: models.families }, choice);
    const testStart = s.times[trainRows]!;
    const open = s.windows.filter(([, end]) => end >= testStart);
    const delayH: number[] = [];
    for (const [a, b] of open) {
      let first = -1;
      for (let i = trainRows; i < flags.length; i++) if (flags[i] && s.times[i]! >= a && s.times[i]! <= b) { first = i; break; }
      if (first >= 0) delayH.push((s.times[first]! - Math.max(a, testStart)) / 3_600_000);
    }
    let falseEpisodes = 0;
    for (let i = trainRows; i < flags.length; i++) if (flags[i] && !flags[i - 1] && !s.labels[i]) falseEpisodes++;
    const weeks = (s.times[s.times.length - 1]! - testStart) / WEEK_MS;
    results.push({ name: s.name, choice, windows: open.length, windowsFlagged: delayH.length, delayH, falseEpisodes, falsePerWeek: falseEpisodes / weeks, weeksScored: weeks });
  }
  return results;
}

/** Table lines of {@link evaluateNab}. */
export function nabTable(results: readonly NabResult[]): string[] {
  return [
    'NAB series as univariate cases (trained on the first 15 %, the SKAB-selected choice, nothing tuned to NAB):',
    '  series                                  windows flagged  delay to first flag (h)   false episodes / week',
    ...results.map((r) => `  ${r.name.padEnd(38)}  ${String(r.windowsFlagged).padStart(2)} / ${r.windows}      ${(r.delayH.map((d) => d.toFixed(1)).join(', ') || '-').padEnd(24)}  ${r.falsePerWeek.toFixed(2)} (${r.falseEpisodes} in ${r.weeksScored.toFixed(1)} weeks)`),
  ];
}
