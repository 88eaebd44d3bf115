import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillShortGaps, inferStepMs, resampleToStep, trailingRunLength } from './resample.js';

const at = (s: number, value: number) => ({ time: s * 1000, value });

test('infers the step as the median spacing, ignoring one long outage and duplicates', () => {
  const pts = [at(0, 1), at(10, 1), at(10, 2), at(20, 1), at(30, 1), at(500, 1), at(510, 1)];
  assert.equal(inferStepMs(pts), 10_000);
  assert.equal(inferStepMs([at(0, 1)]), undefined);
  // A jittering device clock still yields the round step.
  assert.equal(inferStepMs([at(0, 1), at(60.7, 1), at(121.4, 1), at(180, 1)]), 60_000);
});

test('resamples jittered readings onto an aligned grid, averaging a slot and marking empty slots NaN', () => {
  const s = resampleToStep([at(61, 1), at(65, 3), at(121, 5), at(245, 7)], 60_000);
  assert.equal(s.start, 60_000);
  assert.deepEqual(Array.from(s.values.slice(0, 2)), [2, 5]);
  assert.ok(Number.isNaN(s.values[2]!));
  assert.equal(s.values[3], 7);
});

test('aligns a second sensor to a given grid and drops what falls outside it', () => {
  const s = resampleToStep([at(0, 9), at(60, 1), at(120, 2)], 60_000, { start: 60_000, slots: 3 });
  assert.deepEqual(Array.from(s.values.slice(0, 2)), [1, 2]);
  assert.ok(Number.isNaN(s.values[2]!));
});

test('fills a short gap linearly and leaves a long gap and the edges missing', () => {
  const values = Float64Array.from([NaN, 0, NaN, NaN, 3, NaN, NaN, NaN, NaN, 8]);
  const { series, filled } = fillShortGaps({ start: 0, stepMs: 1, values }, 3);
  assert.equal(filled, 2);
  assert.deepEqual(Array.from(series.values.slice(1, 5)), [0, 1, 2, 3]);
  assert.ok(Number.isNaN(series.values[0]!) && Number.isNaN(series.values[6]!));
  assert.equal(trailingRunLength(series.values), 1);
});
