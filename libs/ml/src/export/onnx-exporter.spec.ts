import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxDataType } from '../onnx/onnx-schema.js';
import { encodeModelMetadata, readModelMetadata } from '../onnx/model-metadata.js';
import { addLogMelFeatures, buildLogMelModel, logMelFrameCount } from '../features/log-mel.js';
import { addLayers, exportModelToOnnx } from './onnx-exporter.js';
import { describeLayersModel } from './describe-layers-model.js';
import { ModelExportError, UnsupportedLayerError } from './export-errors.js';
import type { ModelDescription } from './model-description.js';
import { maxAbsDiff, runOnnx, seededUniform } from './parity-harness.js';

const perFrame: ModelDescription = {
  inputShape: [0, 64], // frames filled in per test
  layers: [{ kind: 'dense', units: 4, kernel: seededUniform(64 * 4, 1, -0.1, 0.1), bias: seededUniform(4, 2), activation: 'tanh' }],
};

test('a log-mel front end and exported layers compose into one graph from int16 PCM', async () => {
  const samples = 4000;
  const frames = logMelFrameCount(samples);
  const g = new OnnxGraphBuilder('acoustic');
  const pcm = g.addInput('pcm', ['batch', samples], OnnxDataType.INT16);
  const out = addLayers(g, addLogMelFeatures(g, pcm), [frames, 64], perFrame.layers);
  g.addOutput(out.name, ['batch', ...out.shape]);
  const meta = { kind: 'acoustic', version: 'test', inputs: [{ name: 'pcm', type: 'int16', shape: ['batch', samples] }], sampleRate: 16000, frameShape: [samples] };
  const bytes = g.toModelBytes({ metadata: encodeModelMetadata(meta) });
  assert.deepEqual(readModelMetadata(bytes), meta);

  const clip = Int16Array.from(seededUniform(samples, 3, -8000, 8000), Math.round);
  const whole = await ort.InferenceSession.create(bytes);
  const composed = (await whole.run({ pcm: new ort.Tensor('int16', clip, [1, samples]) }))[out.name]!;
  const front = await ort.InferenceSession.create(buildLogMelModel());
  const mel = (await front.run({ pcm: new ort.Tensor('int16', clip, [1, samples]) }))[front.outputNames[0]!]!;
  const separate = await runOnnx(exportModelToOnnx({ ...perFrame, inputShape: [frames, 64] }), mel.data as Float32Array, mel.dims);
  assert.deepEqual(composed.dims, [1, frames, 4]);
  assert.ok(maxAbsDiff(composed.data as Float32Array, separate.data) < 1e-6);
  await Promise.all([whole.release(), front.release()]);
});

test('rejects weights whose size disagrees with the layer shapes, naming the layer', () => {
  const bad: ModelDescription = { inputShape: [3], layers: [{ kind: 'dense', units: 2, kernel: new Float32Array(5), activation: 'linear' }] };
  assert.throws(() => exportModelToOnnx(bad), (e: unknown) => e instanceof ModelExportError && /l0_dense kernel/.test(e.message));
});

test('rejects a tfjs activation that has no ONNX export', () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'elu' })] });
  assert.throws(() => describeLayersModel(model), UnsupportedLayerError);
  model.dispose();
});

test('drops Dropout layers, which are the identity at inference', () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.dropout({ rate: 0.5 })] });
  assert.deepEqual(describeLayersModel(model).layers.map((l) => l.kind), ['dense']);
  model.dispose();
});
