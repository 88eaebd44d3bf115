import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWindowBatch, slidingWindows } from './window-batch.js';
import { WindowInputError } from './telemetry-errors.js';

test('sliding windows end at every row from steps − 1 on and hold consecutive rows', () => {
  // 5 rows × 2 channels: row r is [r, 10 r].
  const series = Float32Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? i / 2 : 5 * i - 5));
  const windows = slidingWindows(series, 2, 3);
  assert.deepEqual([...windows], [0, 0, 1, 10, 2, 20, 1, 10, 2, 20, 3, 30, 2, 20, 3, 30, 4, 40]);
  assert.equal(slidingWindows(series, 2, 3, 2).length, 2 * 3 * 2);
});

test('a series shorter than one window or not a whole number of rows is refused', () => {
  assert.throws(() => slidingWindows(new Float32Array(4), 2, 3), WindowInputError);
  assert.throws(() => slidingWindows(new Float32Array(5), 2, 2), /not a multiple of 2 channels/);
});

test('a batch of the wrong size is refused with the expected shape in the message', () => {
  assert.throws(() => checkWindowBatch(new Float32Array(7), { steps: 3, channels: 2 }), /multiple of 3 steps × 2 channels = 6 values, got 7/);
  assert.throws(() => checkWindowBatch(new Float32Array(0), { steps: 3, channels: 2 }), WindowInputError);
  assert.equal(checkWindowBatch(new Float32Array(12), { steps: 3, channels: 2 }), 2);
});

test('a NaN is refused naming its window, step and sensor', () => {
  const data = new Float32Array(12);
  data[6 + 2 * 2 + 1] = Number.NaN;
  assert.throws(() => checkWindowBatch(data, { steps: 3, channels: 2 }, ['Current', 'Volume Flow RateRMS']), /window 1 holds NaN at step 2, Volume Flow RateRMS/);
  data[6 + 2 * 2 + 1] = Number.POSITIVE_INFINITY;
  assert.throws(() => checkWindowBatch(data, { steps: 3, channels: 2 }), /Infinity at step 2, channel 1/);
});
