import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readModelMetadata } from '../onnx/model-metadata.js';
import { maxAbsDiff, seededUniform } from '../export/parity-harness.js';
import { applyScaler, fitStandardScaler } from './standard-scaler.js';
import { fitPcaT2Q, pcaWindowErrors } from './pca-t2q.js';
import { buildTelemetryModel } from './telemetry-graph.js';
import { WindowFitError } from './telemetry-errors.js';

const STEPS = 12;
const CHANNELS = ['Current', 'Pressure', 'Volume Flow RateRMS', 'Temperature'];

/** Correlated healthy rows: two latent factors mixed into four sensors with offsets and noise. */
function healthyRows(rows: number, seed: number): Float32Array {
  const u = seededUniform(rows * 6, seed);
  const out = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    const [a, b, n1, n2, n3, n4] = [u[r * 6]!, u[r * 6 + 1]!, u[r * 6 + 2]!, u[r * 6 + 3]!, u[r * 6 + 4]!, u[r * 6 + 5]!];
    out.set([2 + a + 0.05 * n1, 0.3 * a - b + 0.05 * n2, 30 + 5 * b + 0.2 * n3, 70 + 0.1 * n4], r * 4);
  }
  return out;
}

function fitted(explained = 0.9) {
  const train = healthyRows(400, 3);
  const scaler = fitStandardScaler(train, 4);
  return { scaler, model: fitPcaT2Q(scaler, applyScaler(scaler, train), { explained }) };
}

const metadata = (family: string) => ({
  kind: 'telemetry',
  version: 'test',
  inputs: [{ name: 'window', type: 'float32', shape: ['batch', STEPS, CHANNELS.length] }],
  threshold: 2.5,
  window: { channels: CHANNELS, steps: STEPS, stepSeconds: 1, run: 3, family },
});

test('the PCA T²+Q graph matches the closed form within 1e-5 and carries its window contract', async () => {
  const { scaler, model } = fitted();
  const bytes = buildTelemetryModel({ scaler, family: { kind: 'pca-t2q', model, smooth: 5 }, threshold: 2.5, metadata: metadata('pca-t2q/5') });
  const windows = healthyRows(8 * STEPS, 9);
  // Break the correlation in the last window so one error is large.
  for (let s = 0; s < STEPS; s++) windows[(7 * STEPS + s) * 4 + 2] = 10;
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ window: new ort.Tensor('float32', windows, [8, STEPS, 4]) });
    const expected = pcaWindowErrors(model, windows, STEPS, 5);
    const error = out['error']!.data as Float32Array;
    const relative = Float64Array.from(error, (e, i) => (e - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
    assert.ok(maxAbsDiff(relative, new Float64Array(8)) <= 1e-5, `relative difference ${maxAbsDiff(relative, new Float64Array(8))}`);
    const score = out['score']!.data as Float32Array;
    assert.ok(score.every((s, i) => Math.abs(s - error[i]! / 2.5) <= 1e-6 * Math.max(1, error[i]!)), 'score is error ÷ threshold');
    assert.ok(expected[7]! > 10 * expected[0]!, 'the broken window scores far above the healthy ones');
  } finally {
    await session.release();
  }
  assert.deepEqual(readModelMetadata(bytes).window, metadata('pca-t2q/5').window);
});

test('the PCA keeps the fewest directions explaining the asked share, and never all of them', () => {
  assert.equal(fitted(0.5).model.eigenvalues.length, 1);
  assert.ok(fitted(0.999).model.eigenvalues.length <= 3);
});

test('a graph whose scaler, threshold or smoothing does not fit the contract is refused', () => {
  const { scaler, model } = fitted();
  assert.throws(() => buildTelemetryModel({ scaler, family: { kind: 'pca-t2q', model, smooth: 5 }, threshold: 0, metadata: metadata('pca-t2q/5') }), WindowFitError);
  assert.throws(() => buildTelemetryModel({ scaler, family: { kind: 'pca-t2q', model, smooth: STEPS + 1 }, threshold: 1, metadata: metadata('x') }), /smooth/);
  const wrong = { ...metadata('x'), window: { ...metadata('x').window, channels: CHANNELS.slice(0, 3) } };
  assert.throws(() => buildTelemetryModel({ scaler, family: { kind: 'pca-t2q', model, smooth: 1 }, threshold: 1, metadata: wrong }), /4 channels, the window contract 3/);
});

test('onnxruntime refuses a window of the wrong shape', async () => {
  const { scaler, model } = fitted();
  const bytes = buildTelemetryModel({ scaler, family: { kind: 'pca-t2q', model, smooth: 1 }, threshold: 1, metadata: metadata('pca-t2q/1') });
  const session = await ort.InferenceSession.create(bytes);
  try {
    await assert.rejects(session.run({ window: new ort.Tensor('float32', new Float32Array(2 * STEPS * 3), [2, STEPS, 3]) }), /dimension|Got invalid dimensions/i);
  } finally {
    await session.release();
  }
});

test('fitting a scaler or a PCA on too few or non-finite rows is refused', () => {
  assert.throws(() => fitStandardScaler(new Float32Array(4), 4), WindowFitError);
  assert.throws(() => fitStandardScaler(Float32Array.from([1, Number.NaN, 2, 3]), 2), /row 0, channel 1/);
  const scaler = fitStandardScaler(healthyRows(3, 1), 4);
  assert.throws(() => fitPcaT2Q(scaler, applyScaler(scaler, healthyRows(3, 1))), /more rows than its 4 channels/);
});
