import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitScaler, scaleValue, unscaleValue } from './scaler.js';

test('standardises each column over finite values and round-trips', () => {
  const s = fitScaler([Float64Array.from([1, 2, 3, NaN]), [10, 10, 10]]);
  assert.equal(s.mean[0], 2);
  assert.equal(s.std[0], 1);
  assert.equal(scaleValue(s, 0, 3), 1);
  assert.equal(unscaleValue(s, 0, scaleValue(s, 0, 2.5)), 2.5);
});

test('a constant column scales to zero instead of dividing by zero', () => {
  const s = fitScaler([[10, 10, 10]]);
  assert.equal(s.std[0], 1);
  assert.equal(scaleValue(s, 0, 10), 0);
});
