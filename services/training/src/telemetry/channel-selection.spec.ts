import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelChoices, lag1Autocorrelation, selectColumns } from './channel-selection.js';

/** Two channels: white noise (alternating) and a slow ramp. */
function span(rows: number, phase: number): Float32Array {
  return Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? ((Math.floor(i / 2) + phase) % 2 === 0 ? 1 : -1) : Math.floor(i / 2) * 0.01));
}

test('lag-1 autocorrelation is near 1 for a ramp, −1 for alternation and 0 for a constant', () => {
  const s = span(100, 0);
  assert.ok(lag1Autocorrelation(s, 2, 1) > 0.95);
  assert.ok(lag1Autocorrelation(s, 2, 0) < -0.95);
  assert.equal(lag1Autocorrelation(new Float32Array(10), 2, 0), 0);
});

test('the fast set drops channels that drift in most healthy spans and keeps at least one', () => {
  const choices = channelChoices([span(100, 0), span(100, 1), span(100, 0)], 2, 0.85);
  assert.deepEqual(choices, [{ set: 'all', channels: [0, 1] }, { set: 'fast', channels: [0] }]);
  const ramps = Float32Array.from({ length: 100 }, (_, i) => i);
  assert.deepEqual(channelChoices([ramps], 1, 0.85), [{ set: 'all', channels: [0] }], 'a single drifting channel stays: fast would equal all');
});

test('selecting columns keeps row order', () => {
  assert.deepEqual([...selectColumns(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, [2, 0])], [3, 1, 6, 4]);
});
