import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { correlationTime, lag1Autocorrelation } from '@premonitor/ml';
import { DEFAULT_DEVICE_MODEL_OPTIONS, fitDeviceModel } from './device-model.js';

/** Deterministic uniform noise in [-0.5, 0.5). */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

describe('device model channel choice', () => {
  const n = 400;
  // A quantised temperature: flickers between two levels, and the level it flickers around
  // drifts up one step over the run — noisy at lag 1, one piece over a window.
  const temperature = (i: number) => 20 + Math.round(i / 200 + 0.6 * noise(i, 3));
  const rows = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) rows.set([noise(i, 1), 2 * noise(i, 2) + 0.5 * noise(i, 1), temperature(i)], i * 3);

  it('measures the correlation time: about 1 for white noise, many steps for a drifting channel', () => {
    assert.ok(Math.abs(correlationTime(rows, 3, 0, 20) - 1) < 1, `white noise: ${correlationTime(rows, 3, 0, 20)}`);
    assert.ok(correlationTime(rows, 3, 2, 20) >= 20, `drifting: ${correlationTime(rows, 3, 2, 20)}`);
  });

  it('leaves out a channel that passes the lag-1 test but moves as one piece within a window', () => {
    assert.ok(lag1Autocorrelation(rows, 3, 2) <= DEFAULT_DEVICE_MODEL_OPTIONS.maxLag1, 'the lag-1 test alone would keep it');
    assert.deepEqual(fitDeviceModel(['flow', 'current', 'temperature'], rows).sensors, ['flow', 'current']);
    assert.deepEqual(fitDeviceModel(['flow', 'current', 'temperature'], rows, { ...DEFAULT_DEVICE_MODEL_OPTIONS, maxCorrelationWindows: 0 }).sensors, ['flow', 'current', 'temperature'], 'test off: kept');
  });
});
