import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { maxAbsDiff, seededUniform } from '../export/parity-harness.js';
import { WindowInputError } from '../telemetry/telemetry-errors.js';
import { addVibrationFeatures, vibrationFeatureCount, vibrationFeatures } from './vibration-features.js';
import { buildVibrationModel } from './vibration-graph.js';

const SPEC = { samples: 64, channels: 3, bands: 8 };

test('a pure tone puts its power in its band and its RMS in the RMS feature', () => {
  const window = new Float32Array(64 * 3);
  // Channel 1: 1 g offset plus a sine of amplitude 0.5 at bin 12 (band ⌊11·8/32⌋ = 2).
  for (let i = 0; i < 64; i++) window[i * 3 + 1] = 1 + 0.5 * Math.sin((2 * Math.PI * 12 * i) / 64);
  const f = vibrationFeatures(window, SPEC);
  const base = 1 * (SPEC.bands + 2);
  assert.ok(Math.abs(f[base]! - 1) < 1e-6, 'the mean');
  assert.ok(Math.abs(f[base + 1]! - Math.log(0.5 / Math.SQRT2)) < 1e-6, 'log RMS of the sine');
  const bands = [...f.subarray(base + 2, base + 2 + SPEC.bands)];
  assert.equal(bands.indexOf(Math.max(...bands)), 2);
  // Parseval: the one-sided band power of a sine is half its mean square.
  assert.ok(Math.abs(Math.exp(bands[2]!) - 0.125 / 2) < 1e-6);
});

test('the in-graph features match the reference within 1e-5', async () => {
  const g = new OnnxGraphBuilder();
  const input = g.addInput('window', ['batch', SPEC.samples, SPEC.channels]);
  g.addNode('Identity', [addVibrationFeatures(g, input, SPEC)], ['features']);
  g.addOutput('features', ['batch', vibrationFeatureCount(SPEC)]);
  const data = seededUniform(5 * 64 * 3, 11, -2, 2);
  const session = await ort.InferenceSession.create(g.toModelBytes(), { intraOpNumThreads: 1 });
  try {
    const out = (await session.run({ window: new ort.Tensor('float32', data, [5, 64, 3]) }))['features']!.data as Float32Array;
    const expected = new Float64Array(out.length);
    for (let w = 0; w < 5; w++) expected.set(vibrationFeatures(data.subarray(w * 192, (w + 1) * 192), SPEC), w * vibrationFeatureCount(SPEC));
    assert.ok(maxAbsDiff(out, expected) <= 1e-5, `max abs diff ${maxAbsDiff(out, expected)}`);
  } finally {
    await session.release();
  }
});

test('a window of the wrong shape or a spec with impossible bands is refused', () => {
  assert.throws(() => vibrationFeatures(new Float32Array(64 * 2), SPEC), /64 samples × 3 channels = 192 values, got 128/);
  assert.throws(() => vibrationFeatures(new Float32Array(64 * 3), { ...SPEC, bands: 40 }), WindowInputError);
});

test('the vibration graph refuses heads that do not fit its features', () => {
  const f = vibrationFeatureCount(SPEC);
  const scaler = { mean: new Float32Array(f), scale: new Float32Array(f).fill(1) };
  const metadata = { kind: 'vibration', version: 't', inputs: [], classes: ['a', 'b'], window: { channels: ['x', 'y', 'z'], steps: 64, stepSeconds: 0.005, family: 'x' } };
  const identity = { kernel: Float32Array.from({ length: f * f }, (_, i) => (i % (f + 1) === 0 ? 1 : 0)), bias: new Float32Array(f) };
  assert.throws(() => buildVibrationModel({ features: SPEC, scaler, classifier: { kernel: new Float32Array(f * 3), bias: new Float32Array(2) }, unbalance: { whitenings: [identity], threshold: 1 }, metadata }), /do not fit/);
  assert.throws(() => buildVibrationModel({ features: SPEC, scaler, classifier: { kernel: new Float32Array(f * 2), bias: new Float32Array(2) }, unbalance: { whitenings: [], threshold: 1 }, metadata }), /whitening/);
});
