import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readModelMetadata } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { ConvAeWindowScorer } from './conv-ae-device-model.js';
import { DEFAULT_DEVICE_FIT_OPTIONS, fitConvAeDeviceModel, fitDeviceModelOf, heldOutRows, type DeviceFitOptions } from './device-model-fit.js';

/** Deterministic uniform noise in [-0.5, 0.5). */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/** A pump: flow, current and pressure follow one fast load, plus noise; row-major [n, 3]. */
function pumpRows(n: number): Float64Array {
  const rows = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
    rows.set([30 + 2 * load + 0.3 * noise(i, 1), 1.5 + 0.2 * load + 0.03 * noise(i, 2), 2 + 0.1 * load + 0.01 * noise(i, 3)], i * 3);
  }
  return rows;
}

const KEYS = ['flow', 'current', 'pressure'];
// Few epochs: these tests check the plumbing, not the detector's quality (the bench measures that).
const QUICK: DeviceFitOptions = { ...DEFAULT_DEVICE_FIT_OPTIONS, convAe: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe, network: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe.network, epochs: 3 } } };

describe('per-device conv autoencoder', () => {
  before(() => useTfjsBackend('wasm'));

  it('scores the same in the service (plain JS) as its ONNX export, which carries window, channels and threshold', async () => {
    const rows = pumpRows(300);
    const model = await fitConvAeDeviceModel(KEYS, rows, 1000, QUICK);
    assert.equal(model.family, 'conv-ae');
    const meta = readModelMetadata(model.onnx);
    assert.equal(meta.kind, 'telemetry');
    assert.deepEqual(meta.window?.channels, model.sensors);
    assert.equal(meta.window?.steps, 60);
    assert.equal(meta.window?.stepSeconds, 1);
    assert.equal(meta.threshold, model.errorThreshold);

    // Raw readings in, as the edge would feed them; a fault (flow offset) in the last windows.
    const faulty = Float64Array.from(rows);
    for (let i = 250; i < 300; i++) faulty[i * 3] = faulty[i * 3]! + 8;
    const scorer = new ConvAeWindowScorer(model);
    const service: number[] = [];
    for (let r = 0; r < 300; r++) {
      const s = scorer.push(faulty.subarray(r * 3, (r + 1) * 3));
      if (s) service.push(s.ratio);
    }
    assert.equal(service.length, 300 - 59);
    const c = model.sensors.length;
    const columns = model.sensors.map((s) => KEYS.indexOf(s));
    const windows = new Float32Array(service.length * 60 * c);
    for (let w = 0; w < service.length; w++) for (let i = 0; i < 60; i++) columns.forEach((col, k) => (windows[(w * 60 + i) * c + k] = faulty[(w + i) * 3 + col]!));
    const session = await ort.InferenceSession.create(model.onnx);
    const out = await session.run({ window: new ort.Tensor('float32', windows, [service.length, 60, c]) });
    const edge = out['score']!.data as Float32Array;
    for (let w = 0; w < service.length; w++) assert.ok(Math.abs(edge[w]! - service[w]!) <= 1e-4 * Math.max(1, service[w]!), `window ${w}: edge ${edge[w]} vs service ${service[w]}`);
    assert.ok(service[service.length - 1]! > 1, `the fault scores above the threshold: ${service[service.length - 1]}`);
    await session.release();
  });

  it('auto keeps the family with fewer held-out false alarms (PCA on a tie) and says why', async () => {
    const fitted = await fitDeviceModelOf('auto', KEYS, pumpRows(400), 1000, QUICK);
    const v = fitted.choice!;
    assert.equal(v.rows, 200, 'the minimum of 200 held-out rows, not 25 % of 400');
    const { pca, convAe } = v.falseAlarmRate;
    for (const far of [pca, convAe]) assert.ok(far >= 0 && far <= 1);
    assert.equal(fitted.model.family, convAe < pca - 0.02 ? 'conv-ae' : 'pca-t2q');
    assert.equal(v.chosen, fitted.model.family);
    assert.match(v.reason, /held-out false alarms on 200 rows: pca \d+\.\d %, conv-ae \d+\.\d %/);
  });

  it('auto holds out the share, at least the minimum rows, at most half the enrollment', () => {
    const v = { ...DEFAULT_DEVICE_FIT_OPTIONS.validation, validationShare: 0.25, minValidationRows: 200 };
    assert.equal(heldOutRows(400, v), 200);
    assert.equal(heldOutRows(2000, v), 500);
    assert.equal(heldOutRows(300, v), 150);
  });

  it('refuses an enrollment too short for its window, with the rows it needs', async () => {
    await assert.rejects(fitConvAeDeviceModel(KEYS, pumpRows(70), 1000, QUICK), /needs more than \d+ enrollment rows, got 70/);
  });
});
