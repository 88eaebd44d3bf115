import { applyAlarmRule } from '@premonitor/ml';
import type { FamilyName, FittedFamily } from './window-detectors.js';
import { addCounts, countOutliers, outlierScores } from './outlier-metrics.js';
import type { OutlierCounts, OutlierScores } from './outlier-metrics.js';

/** A complete detector choice: family, threshold margin over the training quantile, run length. */
export interface DetectorChoice {
  readonly family: FamilyName;
  readonly margin: number;
  readonly run: number;
}

/** One labelled series with every family fitted to its healthy start. */
export interface ScoredCase {
  readonly name: string;
  readonly labels: Uint8Array;
  /** First row scored (rows before it trained the models). */
  readonly testFrom: number;
  readonly families: readonly FittedFamily[];
}

/** The grid the validation searches. */
export interface SelectionGrid {
  readonly margins: readonly number[];
  readonly runs: readonly number[];
}

/** Every candidate choice for the families present in `cases`. */
export function candidates(cases: readonly ScoredCase[], grid: SelectionGrid): DetectorChoice[] {
  const families = cases[0]?.families.map((f) => f.family) ?? [];
  return families.flatMap((family) => grid.margins.flatMap((margin) => grid.runs.map((run) => ({ family, margin, run }))));
}

/** Flags of one case under one choice (all rows; rows before `testFrom` are training). */
export function flagsFor(scored: ScoredCase, choice: DetectorChoice): Uint8Array {
  const family = scored.families.find((f) => f.family === choice.family);
  if (!family) throw new Error(`case ${scored.name} has no family ${choice.family}`);
  // NaN (no full window yet) compares false: never abnormal.
  return applyAlarmRule(family.normalised, { threshold: choice.margin, run: choice.run });
}

/** Counts of one case under one choice, over its test rows. */
export function caseCounts(scored: ScoredCase, choice: DetectorChoice): OutlierCounts {
  return countOutliers(scored.labels, flagsFor(scored, choice), scored.testFrom);
}

/** The choice with the best pooled F1 over `cases` (ties: lower FAR, then the earlier candidate). */
export function bestChoice(cases: readonly ScoredCase[], options: readonly DetectorChoice[]): { choice: DetectorChoice; scores: OutlierScores } {
  let best: { choice: DetectorChoice; scores: OutlierScores } | undefined;
  for (const choice of options) {
    const scores = outlierScores(addCounts(cases.map((c) => caseCounts(c, choice))));
    const f1 = Number.isNaN(scores.f1) ? -1 : scores.f1;
    if (!best || f1 > best.scores.f1 + 1e-12 || (Math.abs(f1 - best.scores.f1) <= 1e-12 && scores.far < best.scores.far)) best = { choice, scores: { ...scores, f1 } };
  }
  if (!best) throw new Error('no candidate choices to select from');
  return best;
}

/** Result of leave-one-case-out validation. */
export interface LeaveOneOut {
  /** Per held-out case: the choice made without it and its counts and scores under that choice. */
  readonly folds: readonly { readonly name: string; readonly choice: DetectorChoice; readonly counts: OutlierCounts; readonly scores: OutlierScores }[];
  /** Pooled over the held-out cases: the figure to quote. */
  readonly overall: OutlierScores;
}

/**
 * Leave-one-case-out: for each case, pick the choice that is best on all the others, then
 * score the held-out case with it. No case ever influences its own choice, so the pooled
 * figure estimates how the selection does on an experiment it has not seen.
 */
export function leaveOneCaseOut(cases: readonly ScoredCase[], grid: SelectionGrid): LeaveOneOut {
  const options = candidates(cases, grid);
  const folds = cases.map((held) => {
    const { choice } = bestChoice(cases.filter((c) => c !== held), options);
    const counts = caseCounts(held, choice);
    return { name: held.name, choice, counts, scores: outlierScores(counts) };
  });
  return { folds, overall: outlierScores(addCounts(folds.map((f) => f.counts))) };
}
