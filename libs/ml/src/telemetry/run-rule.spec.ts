import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAlarmRule, residualThreshold } from './run-rule.js';
import { WindowFitError } from './telemetry-errors.js';

test('the threshold is the training quantile times the margin', () => {
  const errors = Float64Array.from({ length: 101 }, (_, i) => i / 100);
  assert.ok(Math.abs(residualThreshold(errors, 0.99, 1.5) - 0.99 * 1.5) < 1e-12);
  assert.equal(residualThreshold([3], 0.5, 2), 6);
});

test('a threshold cannot be fitted from nothing, non-finite errors or a bad quantile', () => {
  assert.throws(() => residualThreshold([], 0.99, 1), WindowFitError);
  assert.throws(() => residualThreshold([1, Number.NaN], 0.99, 1), /finite/);
  assert.throws(() => residualThreshold([1, 2], 1.5, 1), /quantile/);
});

test('a point alarms only after run consecutive windows at or above the threshold', () => {
  const errors = [0, 2, 2, 0, 2, 2, 2, 2, Number.NaN, 2];
  assert.deepEqual([...applyAlarmRule(errors, { threshold: 1, run: 3 })], [0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual([...applyAlarmRule(errors, { threshold: 1, run: 1 })], [0, 1, 1, 0, 1, 1, 1, 1, 0, 1]);
  assert.deepEqual([...applyAlarmRule([1, 1], { threshold: 1, run: 2 })], [0, 1], 'the threshold itself counts as abnormal');
});

test('the rule is causal: appending windows never changes earlier flags', () => {
  const errors = [0.5, 3, 3, 3, 0.2, 3, 3];
  const short = applyAlarmRule(errors.slice(0, 4), { threshold: 1, run: 2 });
  const long = applyAlarmRule(errors, { threshold: 1, run: 2 });
  assert.deepEqual([...long.subarray(0, 4)], [...short]);
});

test('a run length below 1 is refused', () => {
  assert.throws(() => applyAlarmRule([1], { threshold: 1, run: 0 }), WindowFitError);
});
