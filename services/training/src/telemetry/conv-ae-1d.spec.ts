import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { applyScaler, buildTelemetryModel, describeLayersModel, fitPcaT2Q, fitStandardScaler, pcaWindowErrors } from '@premonitor/ml';
import { buildConvAe1d, convAeErrors, useTfjsBackend } from '@premonitor/ml/training';

test('the exported conv autoencoder and ensemble graphs match tfjs and the closed form within 1e-5 (scaler inside the graph)', async () => {
  await useTfjsBackend('cpu');
  const steps = 16;
  const channels = 3;
  const model = buildConvAe1d({ steps, channels, filters: [4, 2], kernel: 5, epochs: 1, batchSize: 8, learningRate: 1e-3, seed: 7 });
  const rows = Float32Array.from({ length: 200 * channels }, (_, i) => Math.sin(i * 0.13) * (1 + (i % channels)) + (i % channels) * 10);
  const scaler = fitStandardScaler(rows, channels);
  const windows = rows.subarray(0, 4 * steps * channels);
  const scaled = Float32Array.from(windows, (v, i) => (v - scaler.mean[i % channels]!) / scaler.scale[i % channels]!);
  const expected = convAeErrors(model, scaled, steps, channels);
  const pca = fitPcaT2Q(scaler, applyScaler(scaler, rows));
  const expectedEnsemble = pcaWindowErrors(pca, windows, steps, 4).map((e, i) => (e / 3 + expected[i]! / 0.2) / 2);
  const ensemble = buildTelemetryModel({
    scaler,
    family: { kind: 'ensemble', pca: { model: pca, smooth: 4, scale: 3 }, convAe: { layers: describeLayersModel(model).layers, scale: 0.2 } },
    threshold: 1,
    metadata: { kind: 'telemetry', version: 't', inputs: [], window: { channels: ['a', 'b', 'c'], steps, stepSeconds: 1, run: 1, family: 'all/ensemble' } },
  });
  const bytes = buildTelemetryModel({
    scaler,
    family: { kind: 'conv-ae', layers: describeLayersModel(model).layers },
    threshold: 0.5,
    metadata: { kind: 'telemetry', version: 't', inputs: [], window: { channels: ['a', 'b', 'c'], steps, stepSeconds: 1, run: 1, family: 'all/conv-ae' } },
  });
  model.dispose();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ window: new ort.Tensor('float32', windows, [4, steps, channels]) });
    const error = out['error']!.data as Float32Array;
    error.forEach((e, i) => assert.ok(Math.abs(e - expected[i]!) <= 1e-5, `window ${i}: onnx ${e}, tfjs ${expected[i]}`));
    (out['score']!.data as Float32Array).forEach((s, i) => assert.ok(Math.abs(s - error[i]! / 0.5) <= 1e-5));
    const both = await ort.InferenceSession.create(ensemble, { intraOpNumThreads: 1 });
    const mixed = (await both.run({ window: new ort.Tensor('float32', windows, [4, steps, channels]) }))['error']!.data as Float32Array;
    await both.release();
    mixed.forEach((e, i) => assert.ok(Math.abs(e - expectedEnsemble[i]!) <= 1e-5 * Math.max(1, expectedEnsemble[i]!), `ensemble window ${i}: onnx ${e}, reference ${expectedEnsemble[i]}`));
  } finally {
    await session.release();
  }
});
