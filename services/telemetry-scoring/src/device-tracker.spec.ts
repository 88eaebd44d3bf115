import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DEVICE_MODEL_OPTIONS, fitDeviceModel } from './device-model.js';
import { DeviceTracker, type TrackerSettings } from './device-tracker.js';

const ref = { site: 's1', device: 'pump-1' };
const settings: TrackerSettings = { stepMs: 0, discoveryMessages: 5, maxGapSteps: 3, enrollRows: 200, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS };
const T0 = 1_700_000_000_000;

/** A healthy machine: flow and current move together, with noise; `fault` breaks the relation. */
function reading(i: number, fault = 0): Record<string, number> {
  const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
  const noise = (k: number) => 0.1 * ((Math.sin(i * 12.9898 + k * 78.233) * 43758.5453) % 1);
  return { 'Volume Flow RateRMS': 30 + 2 * load + noise(1), Current: 1.5 + 0.2 * load + 0.02 * noise(2) + fault, 'Temperature (°C)': 70 + noise(3) };
}

function run(tracker: DeviceTracker, from: number, to: number, fault = (_: number) => 0) {
  const out = [];
  for (let i = from; i < to; i++) out.push(tracker.observe(T0 + i * 1000, i, reading(i, fault(i))));
  return out;
}

describe('DeviceTracker', () => {
  it('with an off-thread family: asks for one fit, is not scored while fitting, installs only the fit it asked for', () => {
    const tracker = new DeviceTracker(ref, { ...settings, family: 'conv-ae' }, () => T0);
    const fits = run(tracker, 0, 220).flatMap((o) => (o.fit ? [o.fit] : []));
    assert.equal(fits.length, 1);
    const fit = fits[0]!;
    assert.equal(fit.rows.length, 200 * fit.keys.length);
    assert.equal(tracker.status().state, 'fitting');
    assert.deepEqual(run(tracker, 220, 260).flatMap((o) => o.scores), [], 'nothing scored while fitting');
    // A model fitted elsewhere (here PCA, in place) is what the worker hands back.
    const model = fitDeviceModel(fit.keys, fit.rows);
    assert.equal(tracker.install(fit.token + 1, model), undefined, 'a stale fit is ignored');
    const choice = { chosen: 'pca-t2q' as const, falseAlarmRate: { pca: 0.01, convAe: 0.02 }, rows: 200, reason: 'pca not worse' };
    const installed = tracker.install(fit.token, model, choice)!;
    assert.equal(installed.version, `pca-t2q-${fit.stamp}`, 'the version stamped when the fit was asked for (its ONNX graph carries it)');
    assert.equal(tracker.status().state, 'ready');
    assert.deepEqual(tracker.status().choice, choice, 'the status says what chose the family');
    assert.ok(run(tracker, 260, 300).flatMap((o) => o.scores).length > 15, 'scored from the next full window');
  });

  it('a failed fit enrolls again and says why; a reset during a fit drops it', () => {
    const tracker = new DeviceTracker(ref, { ...settings, family: 'auto' }, () => T0);
    const fit = run(tracker, 0, 220).find((o) => o.fit)!.fit!;
    tracker.fitFailed(fit.token, 'worker out of memory');
    assert.equal(tracker.status().state, 'enrolling');
    assert.match(tracker.status().problem ?? '', /worker out of memory/);
    const again = run(tracker, 220, 440).find((o) => o.fit)!.fit!;
    tracker.reset();
    assert.equal(tracker.install(again.token, fitDeviceModel(again.keys, again.rows)), undefined);
    assert.equal(tracker.status().state, 'discovering');
  });

  it('learns the step and sensors, says it is enrolling until enough rows, then scores', () => {
    const tracker = new DeviceTracker(ref, settings, () => T0);
    assert.equal(tracker.status().state, 'discovering');
    run(tracker, 0, 100);
    const enrolling = tracker.status();
    assert.equal(enrolling.state, 'enrolling');
    assert.equal(enrolling.stepMs, 1000);
    assert.deepEqual(enrolling.keys, ['Current', 'Temperature (°C)', 'Volume Flow RateRMS']);
    assert.ok(enrolling.enrollment.rows > 90 && enrolling.enrollment.rows < 100);
    const out = run(tracker, 100, 205);
    assert.equal(out.filter((o) => o.enrolled).length, 1);
    assert.equal(tracker.status().state, 'ready');
    const scored = run(tracker, 205, 400).flatMap((o) => o.scores);
    assert.ok(scored.length > 150, `${scored.length} windows scored`);
    assert.ok(scored.filter((s) => s.score.score > 0.5).length < scored.length * 0.1, 'healthy windows mostly below threshold');
  });

  it('scores a fault above the calibrated threshold and healthy windows after it below', () => {
    const tracker = new DeviceTracker(ref, settings, () => T0);
    run(tracker, 0, 300);
    const scores = run(tracker, 300, 600, (i) => (i >= 400 && i < 450 ? 1 : 0)).flatMap((o) => o.scores);
    const during = scores.filter((s) => s.ts >= T0 + 420_000 && s.ts < T0 + 450_000);
    const after = scores.filter((s) => s.ts >= T0 + 500_000);
    assert.ok(during.every((s) => s.score.score > 0.5), 'every window inside the fault is abnormal');
    assert.ok(after.filter((s) => s.score.score > 0.5).length < after.length * 0.1);
  });

  it('pauses with one rejection when a sensor of the model goes silent, resumes when it returns', () => {
    const tracker = new DeviceTracker(ref, settings, () => T0);
    run(tracker, 0, 300);
    const rejections: string[] = [];
    let scoredWhileMissing = 0;
    for (let i = 300; i < 340; i++) {
      const { Current: _, ...rest } = reading(i);
      const o = tracker.observe(T0 + i * 1000, i, rest);
      if (o.rejected) rejections.push(o.rejected);
      if (i > 305) scoredWhileMissing += o.scores.length;
    }
    assert.equal(rejections.length, 1, 'one dead letter per episode');
    assert.match(rejections[0]!, /Current/);
    assert.equal(scoredWhileMissing, 0);
    assert.equal(tracker.status().state, 'paused');
    assert.deepEqual(tracker.status().missingSensors, ['Current']);
    const back = run(tracker, 340, 400).flatMap((o) => o.scores);
    assert.equal(tracker.status().state, 'ready');
    assert.ok(back.length > 30, 'scores again a window after the sensor is back');
  });

  it('lists a sensor added after enrollment as unmodelled and keeps scoring; reset re-enrolls with it', () => {
    const tracker = new DeviceTracker(ref, settings, () => T0);
    run(tracker, 0, 300);
    const out = [];
    for (let i = 300; i < 330; i++) out.push(tracker.observe(T0 + i * 1000, i, { ...reading(i), Pressure: 2 }));
    assert.ok(out.flatMap((o) => o.scores).length > 20);
    assert.deepEqual(tracker.status().unmodelledSensors, ['Pressure']);
    tracker.reset();
    for (let i = 330; i < 350; i++) tracker.observe(T0 + i * 1000, i, { ...reading(i), Pressure: 2 });
    assert.equal(tracker.status().state, 'enrolling');
    assert.ok(tracker.status().keys.includes('Pressure'));
  });

  it('restarts enrollment when a sensor appears during it', () => {
    const tracker = new DeviceTracker(ref, settings, () => T0);
    run(tracker, 0, 50);
    tracker.observe(T0 + 50_000, 50, { ...reading(50), Pressure: 1 });
    const status = tracker.status();
    assert.equal(status.enrollment.restarts, 1);
    assert.equal(status.enrollment.rows, 0);
    assert.match(status.problem ?? '', /Pressure/);
  });
});
