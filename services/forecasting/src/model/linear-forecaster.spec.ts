import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { fitLinearTerms, linearLookback, linearValue, trendKernel } from './linear-forecaster.js';

test('the linear model recovers an autoregressive process it was fitted on', () => {
  const random = new SeededRandom(4);
  // y_t = 0.8·y_{t−1} + noise around 10: the best 1-step forecast is 10 + 0.8·(y − 10).
  const y = [10];
  for (let i = 1; i < 3000; i++) y.push(10 + 0.8 * (y[i - 1]! - 10) + random.gaussian(0, 0.5));
  const origins = Array.from({ length: 2900 }, (_, i) => 50 + i).filter((o) => o + 3 < 2950);
  const terms = fitLinearTerms(y, origins, 3, { lags: 8, season: 0 })!;
  assert.equal(terms.length, 3);
  for (const o of [2960, 2970, 2980]) {
    const ideal = 10 + 0.8 * (y[o]! - 10);
    assert.ok(Math.abs(linearValue(y, o, 1, terms[0]!) - ideal) < 0.1, `${linearValue(y, o, 1, terms[0]!)} vs ${ideal}`);
    const ideal3 = 10 + 0.8 ** 3 * (y[o]! - 10);
    assert.ok(Math.abs(linearValue(y, o, 3, terms[2]!) - ideal3) < 0.15);
  }
});

test('the seasonal input carries a season the window cannot see, and missing values give NaN', () => {
  const y = Array.from({ length: 2000 }, (_, i) => 100 * Math.sin((2 * Math.PI * i) / 50) + (i % 7));
  const origins = Array.from({ length: 1800 }, (_, i) => 100 + i);
  const terms = fitLinearTerms(y, origins, 12, { lags: 4, season: 50 })!;
  assert.ok(Math.abs(linearValue(y, 1950, 12, terms[11]!) - y[1962]!) < 5, `${linearValue(y, 1950, 12, terms[11]!)} vs ${y[1962]}`);
  assert.equal(linearLookback(12, terms[11]!), 38);
  assert.ok(Number.isNaN(linearValue([1, Number.NaN, 3, 4, 5], 4, 1, terms[0]!)));
  assert.equal(trendKernel(30), 15);
  assert.equal(fitLinearTerms(y, origins.slice(0, 5), 2, { lags: 8, season: 0 }), undefined);
});
