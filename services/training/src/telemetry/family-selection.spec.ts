import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestChoice, candidates, leaveOneCaseOut } from './family-selection.js';
import type { ScoredCase } from './family-selection.js';
import { addCounts, countOutliers, outlierScores } from './outlier-metrics.js';

/** A case whose anomaly (rows 10–19) family `good` sees at error 2 and `noisy` at 2 with false alarms at 1.3. */
function scoredCase(name: string, noisyFalse: number): ScoredCase {
  const labels = Uint8Array.from({ length: 30 }, (_, i) => (i >= 10 && i < 20 ? 1 : 0));
  const good = Float64Array.from(labels, (l) => (l ? 2 : 0.5));
  const noisy = Float64Array.from(labels, (l, i) => (l ? 2 : i >= 22 && i < 22 + noisyFalse ? 1.3 : 0.5));
  return { name, labels, testFrom: 5, families: [{ family: 'all/pca-t2q/1', normalised: good, scale: 1 }, { family: 'all/conv-ae', normalised: noisy, scale: 1 }] };
}

test('F1, FAR and MAR follow SKAB: FAR over normal points, MAR over abnormal ones', () => {
  const c = countOutliers([0, 0, 1, 1, 1, 0], [1, 0, 1, 1, 0, 0]);
  assert.deepEqual(c, { tp: 2, fp: 1, fn: 1, tn: 2 });
  const s = outlierScores(c);
  assert.ok(Math.abs(s.f1 - 4 / 6) < 1e-12 && Math.abs(s.far - 1 / 3) < 1e-12 && Math.abs(s.mar - 1 / 3) < 1e-12);
  assert.deepEqual(addCounts([c, c]), { tp: 4, fp: 2, fn: 2, tn: 4 });
  assert.deepEqual(countOutliers([1, 1, 0], [0, 1, 1], 1), { tp: 1, fp: 1, fn: 0, tn: 0 }, 'rows before `from` are not scored');
});

test('the best choice maximises pooled F1', () => {
  const cases = [scoredCase('a', 5), scoredCase('b', 5)];
  const options = candidates(cases, { margins: [1, 1.5], runs: [1] });
  assert.equal(options.length, 4);
  const noisy = bestChoice(cases, options.filter((o) => o.family === 'all/conv-ae' && o.margin === 1)).scores;
  assert.ok(noisy.f1 < 1 && noisy.far > 0);
  const { choice, scores } = bestChoice(cases, options);
  assert.equal(scores.f1, 1);
  assert.deepEqual(choice, { family: 'all/pca-t2q/1', margin: 1, run: 1 });
});

test('leave-one-case-out never lets a case choose for itself', () => {
  // Three cases where the noisy family's false alarms only pass a margin-1 threshold; the
  // held-out case is always scored with the choice of the other two.
  const cases = [scoredCase('a', 0), scoredCase('b', 0), scoredCase('c', 8)];
  const result = leaveOneCaseOut(cases, { margins: [1], runs: [1] });
  assert.deepEqual(result.folds.map((f) => f.name), ['a', 'b', 'c']);
  // Without c, the families tie at F1 1 and FAR 0: the first candidate (pca) is chosen for c.
  assert.equal(result.folds[2]!.choice.family, 'all/pca-t2q/1');
  assert.equal(result.folds[2]!.scores.f1, 1);
  assert.ok(result.folds.every((f) => f.counts.tp + f.counts.fn === 10));
});

test('a run length suppresses alarms shorter than the run', () => {
  const cases = [scoredCase('a', 3)];
  const short = bestChoice(cases, [{ family: 'all/conv-ae', margin: 1, run: 1 }]).scores;
  const long = bestChoice(cases, [{ family: 'all/conv-ae', margin: 1, run: 4 }]).scores;
  assert.ok(short.far > 0);
  assert.equal(long.far, 0);
  assert.ok(long.mar > 0, 'the first 3 anomalous rows wait for the run');
});
