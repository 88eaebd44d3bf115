import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../data/seeded-random.js';
import { checkBaselineSpec, type BaselineSpec, type DeviceThresholdSpec } from './baseline-spec.js';
import { fitBaseline } from './fit-baseline.js';
import { deviceThresholdTarget, fitDeviceThreshold, framesPerDayOf, leaveOneOutLogDistances, standardNormalQuantile } from './device-threshold.js';

const target: DeviceThresholdSpec = { framesPerDay: 8640, falseAlarmsPerDay: 1, priorSpread: 0.3, priorWeight: 4 };

test('the normal quantile matches known values', () => {
  assert.ok(Math.abs(standardNormalQuantile(0.5)) < 1e-9);
  assert.ok(Math.abs(standardNormalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(standardNormalQuantile(0.01) + 2.326348) < 1e-5);
  assert.ok(Math.abs(standardNormalQuantile(1 - 1 / 8640) - 3.681923) < 1e-5);
  assert.throws(() => standardNormalQuantile(1), /strictly between/);
});

test('a leave-one-out distance is the distance from the mean of the other samples', () => {
  const e = [Float32Array.of(0, 0), Float32Array.of(2, 0), Float32Array.of(4, 6)];
  const mean = Float64Array.of(2, 2);
  const [first] = leaveOneOutLogDistances(e, mean);
  // Others' mean (3, 3): squared differences 9 and 9, mean 9.
  assert.ok(Math.abs(first! - Math.log(9)) < 1e-9);
});

test('the threshold is mean + z·pooled spread of the log distances', () => {
  const logs = [0, 0.2, -0.2, 0.1, -0.1];
  const { center, scale } = fitDeviceThreshold(target, logs);
  const own = logs.reduce((a, v) => a + v * v, 0);
  const pooled = Math.sqrt((own + 4 * 0.09) / (4 + 4));
  assert.ok(Math.abs(scale - pooled) < 1e-12);
  assert.ok(Math.abs(center - standardNormalQuantile(1 - 1 / 8640) * pooled) < 1e-9);
  // A laxer target lowers it; an override of the target is honoured.
  assert.ok(fitDeviceThreshold(target, logs, { falseAlarmsPerDay: 100 }).center < center);
  assert.throws(() => fitDeviceThreshold(target, logs, { falseAlarmsPerDay: 9000 }), /below frames per day/);
});

test('a mean baseline with a threshold lets about the target share of new healthy samples through', () => {
  const r = new SeededRandom(11);
  const d = 64;
  const spec: BaselineSpec = { method: 'mean', embedding: d, frames: 16, threshold: { ...target, framesPerDay: 100, falseAlarmsPerDay: 5, priorSpread: 0.18, priorWeight: 4 } };
  const sample = (): Float32Array => Float32Array.from({ length: d }, () => 3 + r.gaussian(0, 1));
  let above = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const baseline = fitBaseline(spec, Array.from({ length: 16 }, sample));
    assert.equal(baseline.length, 2 * d);
    const [center, scale] = [baseline[d]!, baseline[d + 1]!];
    assert.ok(scale > 0);
    for (let k = 0; k < 20; k++) {
      const x = sample();
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (x[j]! - baseline[j]!) ** 2;
      if (Math.log(sum / d) > center) above++;
    }
  }
  const rate = above / (trials * 20);
  // Target 5 %: the normal tail of a mean of 64 squares, with 16 samples, lands near it.
  assert.ok(rate > 0.01 && rate < 0.1, `false-alarm rate ${rate}`);
});

test('checkBaselineSpec accepts a threshold on a mean baseline, on a subspace one only with its distance and ln distance at 0.5, and names a bad field', () => {
  assert.deepEqual(checkBaselineSpec({ method: 'mean', embedding: 4, frames: 4, threshold: target }).threshold, target);
  assert.throws(() => checkBaselineSpec({ method: 'mean', embedding: 4, frames: 4, threshold: { ...target, priorSpread: 0 } }), /threshold.priorSpread/);
  assert.throws(() => checkBaselineSpec({ method: 'mean', embedding: 4, frames: 4, threshold: { ...target, falseAlarmsPerDay: 9000 } }), /below framesPerDay/);
  assert.throws(() => checkBaselineSpec({ method: 'subspace', embedding: 4, frames: 8, components: 1, noiseFloor: 0.1, threshold: target }), /logDistanceAtThreshold must be a number for a subspace baseline/);
});

test('the threshold target takes the frame rate the device showed while enrolling', () => {
  // 13 frames over 120 s: one every 10 s, 8,640 a day.
  assert.deepEqual(deviceThresholdTarget(target, { framesSeen: 13, spanMs: 120_000 }), { framesPerDay: 8640, falseAlarmsPerDay: 1 });
  assert.deepEqual(deviceThresholdTarget(target, { framesSeen: 13, spanMs: 12_000 }, 5), { framesPerDay: 86_400, falseAlarmsPerDay: 5 });
  // Nothing measurable yet: the model's assumed rate.
  assert.deepEqual(deviceThresholdTarget(target, { framesSeen: 1, spanMs: 0 }), { framesPerDay: 8640, falseAlarmsPerDay: 1 });
  assert.equal(framesPerDayOf({ framesSeen: 5, spanMs: 0 }), undefined);
  // A device slower than the false alarms allowed keeps a quantile inside (0, 1).
  assert.deepEqual(deviceThresholdTarget(target, { framesSeen: 2, spanMs: 86_400_000 }, 3), { framesPerDay: 6, falseAlarmsPerDay: 3 });
});
