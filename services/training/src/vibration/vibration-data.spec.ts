import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFanWindow, splitByRecordingOrder, VIBRATION_CLASSES } from './vibration-data.js';
import { fitSoftmaxRegression } from './softmax-regression.js';
import { DataSetError } from '../training-errors.js';

test('the split is by recording order: the earliest windows of each class train, the latest test', () => {
  const windows = VIBRATION_CLASSES.flatMap((_, label) => [4, 0, 3, 1, 2, 9, 8, 7, 6, 5].map((order) => ({ label, order, samples: new Float32Array(0) })));
  const { train, test: held } = splitByRecordingOrder(windows, 0.7);
  for (let label = 0; label < VIBRATION_CLASSES.length; label++) {
    assert.deepEqual(train.filter((w) => w.label === label).map((w) => w.order), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(held.filter((w) => w.label === label).map((w) => w.order), [7, 8, 9]);
  }
});

test('a window file of the wrong length or with a bad value is refused', () => {
  assert.throws(() => parseFanWindow('w', '0,0,1\n'.repeat(199)), (err: unknown) => err instanceof DataSetError && /199 lines, expected 200/.test(err.message));
  assert.throws(() => parseFanWindow('w', '0,0,1\n'.repeat(199) + '0,x,1\n'), /line 200: expected 3 numbers/);
  assert.equal(parseFanWindow('w', '0.5, -0.25, 1\n'.repeat(200))[4], -0.25);
});

test('softmax regression separates separable classes deterministically', () => {
  const x = Float32Array.from([-2, 0, -1.5, 0.2, 2, 0, 1.8, -0.1, 0, 2, 0.1, 1.7]);
  const labels = [0, 0, 1, 1, 2, 2];
  const a = fitSoftmaxRegression(x, labels, 3, { iterations: 200, learningRate: 0.5, l2: 1e-4 });
  const b = fitSoftmaxRegression(x, labels, 3, { iterations: 200, learningRate: 0.5, l2: 1e-4 });
  assert.deepEqual(a, b);
  labels.forEach((label, r) => {
    const logits = [0, 1, 2].map((k) => a.bias[k]! + x[r * 2]! * a.kernel[k]! + x[r * 2 + 1]! * a.kernel[3 + k]!);
    assert.equal(logits.indexOf(Math.max(...logits)), label);
  });
});
