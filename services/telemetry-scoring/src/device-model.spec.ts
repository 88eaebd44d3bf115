import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { correlationTime, lag1Autocorrelation, SCORE_THRESHOLD, windowScore } from '@premonitor/ml';
import { TelemetryModelScorer } from '@premonitor/ml/scoring';
import { ALARM_RUN, DEFAULT_DEVICE_MODEL_OPTIONS, fitDeviceModel, windowScorer } from './device-model.js';

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

describe('device PCA model on the edge', () => {
  it('exports a graph that scores raw readings as the service scores them, with its window contract', async () => {
    const n = 300;
    const rows = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const load = Math.sin(i * 1.1);
      rows.set([30 + 2 * load + 0.3 * noise(i, 1), 1.5 + 0.2 * load + 0.03 * noise(i, 2), 2 + 0.1 * load + 0.02 * noise(i, 3)], i * 3);
    }
    const keys = ['flow', 'current', 'pressure'];
    const model = fitDeviceModel(keys, rows, DEFAULT_DEVICE_MODEL_OPTIONS, { stepMs: 1000, stamp: '20261206T000000000Z' });
    assert.ok(model.onnx, 'a multi-sensor PCA model carries its graph');
    assert.equal(fitDeviceModel(keys, rows).onnx, undefined, 'not without the step');
    const edge = await TelemetryModelScorer.load(model.onnx, { intraOpThreads: 1 });
    assert.deepEqual(edge.window.channels, model.sensors);
    assert.equal(edge.window.steps, 20);
    assert.equal(edge.window.stepSeconds, 1);
    assert.equal(edge.window.run, ALARM_RUN);
    assert.equal(edge.version, 'pca-t2q-20261206T000000000Z', 'the version the service stores and reports');
    // A fault (current off its relation to flow) in the last rows.
    const faulty = Float64Array.from(rows);
    for (let i = 260; i < n; i++) faulty[i * 3 + 1] = faulty[i * 3 + 1]! + 0.4;
    const scorer = windowScorer(model);
    const c = model.sensors.length;
    const cols = model.sensors.map((s) => keys.indexOf(s));
    let compared = 0;
    for (let r = 0; r < n; r++) {
      const service = scorer.push(faulty.subarray(r * 3, (r + 1) * 3));
      if (!service) continue;
      const window = new Float32Array(20 * c);
      for (let i = 0; i < 20; i++) cols.forEach((col, k) => (window[i * c + k] = faulty[(r - 19 + i) * 3 + col]!));
      const [ratio] = await edge.ratios(window, 1);
      assert.ok(Math.abs(ratio! - service.ratio) <= 1e-3 * Math.max(1, service.ratio), `row ${r}: edge ${ratio} vs service ${service.ratio}`);
      compared++;
    }
    assert.equal(compared, n - 19);
    assert.ok(windowScore(Number((await edge.ratios(new Float32Array(faulty.subarray((n - 20) * 3, n * 3).filter((_, i) => cols.includes(i % 3))), 1))[0]), 1).score > SCORE_THRESHOLD, 'the fault window is above the threshold');
    await edge.release();
  });
});
