import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { baseLookback, baseValue, candidatePeriods, candidateTerms, chooseBase, PERSISTENCE } from './seasonal-base.js';

const y = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

test('base values: persistence, a level, the latest whole seasons before the target, a median and a straight line', () => {
  assert.equal(baseValue(y, 9, 5, PERSISTENCE), 19);
  assert.equal(baseValue(y, 9, 1, { kind: 'mean', period: 1, count: 3 }), 18);
  // Period 4, step 3: the target sits at 12; one season back is 8, two are 4.
  assert.equal(baseValue(y, 9, 3, { kind: 'mean', period: 4, count: 1 }), 18);
  assert.equal(baseValue(y, 9, 3, { kind: 'mean', period: 4, count: 2 }), 16);
  // Step 6 lies more than one period ahead: the analogs are two and three seasons back (7, 3).
  assert.equal(baseValue(y, 9, 6, { kind: 'mean', period: 4, count: 2 }), 15);
  assert.equal(baseValue([5, 100, 6, 7], 3, 1, { kind: 'median', period: 1, count: 3 }), 7);
  assert.equal(baseValue(y, 9, 4, { kind: 'trend', count: 5, damping: 1 }), 23);
  assert.equal(baseValue(y, 9, 4, { kind: 'trend', count: 5, damping: 0.5 }), 21);
  assert.ok(Number.isNaN(baseValue([1, Number.NaN, 3], 2, 1, { kind: 'mean', period: 1, count: 2 })));
  assert.ok(Number.isNaN(baseValue(y, 2, 1, { kind: 'mean', period: 1, count: 4 })));
});

test('the lookback is how far back the furthest value of any step lies', () => {
  assert.equal(baseLookback([PERSISTENCE, PERSISTENCE]), 0);
  assert.equal(baseLookback([{ kind: 'mean', period: 4, count: 2 }]), 7);
  assert.equal(baseLookback([PERSISTENCE, { kind: 'trend', count: 16, damping: 1 }]), 15);
});

test('candidate periods are the autocorrelation peaks of the training values, plus a day when the step divides it', () => {
  const random = new SeededRandom(3);
  const spikes = Array.from({ length: 3000 }, (_, i) => 30 + (i % 12 === 0 ? 40 : 0) + random.gaussian(0, 1));
  const periods = candidatePeriods(spikes, 300_000, 750);
  assert.ok(periods.includes(1) && periods.includes(12) && periods.includes(288), JSON.stringify(periods));
  assert.ok(periods.every((p) => p === 1 || p === 288 || p % 12 === 0), JSON.stringify(periods));
  assert.deepEqual(candidatePeriods(spikes, 1000, 750).includes(86_400), false);
});

test('the chosen base is seasonal on a periodic series, a trend on a drift and persistence on a random walk', async () => {
  const random = new SeededRandom(8);
  const origins = Array.from({ length: 1500 }, (_, i) => 400 + i);
  const periodic = Array.from({ length: 2000 }, (_, i) => 30 + (i % 12 === 0 ? 40 : 0) + random.gaussian(0, 2));
  const seasonal = (await chooseBase(periodic, origins, 12, candidateTerms(candidatePeriods(periodic.slice(0, 1900), 300_000, 400)), 400))[11]!;
  assert.ok((seasonal.kind === 'mean' || seasonal.kind === 'median') && seasonal.period % 12 === 0 && seasonal.count > 1, JSON.stringify(seasonal));
  const drift = Array.from({ length: 2000 }, (_, i) => 70 - 0.01 * i + random.gaussian(0, 0.05));
  assert.equal((await chooseBase(drift, origins, 12, candidateTerms([1]), 400))[11]!.kind, 'trend');
  let level = 0;
  const walk = Array.from({ length: 2000 }, () => (level += random.gaussian(0, 1)));
  assert.deepEqual((await chooseBase(walk, origins, 3, candidateTerms(candidatePeriods(walk, 1000, 400)), 400))[0], PERSISTENCE);
});

test('seasonal-naive takes the day on a noisy daily cycle, the first true peak otherwise, and nothing on a random walk', async () => {
  const { detectSeason } = await import('./seasonal-base.js');
  const random = new SeededRandom(9);
  const daily = Array.from({ length: 1500 }, (_, i) => 5 * Math.sin((2 * Math.PI * i) / 144) + random.gaussian(0, 1.5));
  assert.equal(detectSeason(daily, 600_000, 375), 144);
  const cycle = Array.from({ length: 1500 }, (_, i) => 5 * Math.sin((2 * Math.PI * i) / 37) + random.gaussian(0, 1));
  assert.equal(detectSeason(cycle, 1000, 375), 37);
  let level = 0;
  const walk = Array.from({ length: 1500 }, () => (level += random.gaussian(0, 1)));
  assert.equal(detectSeason(walk, 600_000, 375), undefined);
});
