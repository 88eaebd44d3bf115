import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMetrics } from './class-metrics.js';

test('accuracy, macro F1 over the classes that occur, MAE and the confusion matrix', () => {
  // truth 0 0 1 1 2, predicted 0 1 1 1 0; class 3 never occurs
  const m = classMetrics([0, 0, 1, 1, 2, -1], [0, 1, 1, 1, 0, 3], 4);
  assert.equal(m.n, 5);
  assert.equal(m.accuracy, 3 / 5);
  assert.deepEqual(m.confusion, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]);
  // F1: class 0 = 2·1/(2+2) = 0.5, class 1 = 2·2/(2+3) = 0.8, class 2 = 0
  assert.deepEqual(m.f1.slice(0, 3), [0.5, 0.8, 0]);
  assert.ok(Number.isNaN(m.f1[3]!));
  assert.equal(m.macro_f1, (0.5 + 0.8 + 0) / 3);
  assert.equal(m.mae, (0 + 1 + 0 + 0 + 2) / 5);
});

test('a constant prediction of the majority class has a low macro F1 however accurate', () => {
  const truth = [...Array(95).fill(0), ...Array(5).fill(1)];
  const m = classMetrics(truth, Array(100).fill(0), 2);
  assert.equal(m.accuracy, 0.95);
  assert.ok(Math.abs(m.macro_f1 - (2 * 95) / (95 + 100) / 2) < 1e-12);
});

test('refuses predictions outside the classes', () => {
  assert.throws(() => classMetrics([0], [2], 2), RangeError);
  assert.throws(() => classMetrics([0, 1], [0], 2), RangeError);
});
