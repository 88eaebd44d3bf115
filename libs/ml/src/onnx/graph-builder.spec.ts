import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from './graph-builder.js';
import { OnnxAttr } from './onnx-attribute.js';
import { OnnxGraphError } from './onnx-errors.js';
import { OnnxDataType } from './onnx-schema.js';
import { encodeModelMetadata, readModelMetadata } from './model-metadata.js';
import type { ModelMetadata } from './model-metadata.js';

test('a built graph runs in onnxruntime with a symbolic batch dimension', async () => {
  const g = new OnnxGraphBuilder();
  const x = g.addInput('x', ['batch', 3]);
  const w = g.addInitializer('w', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
  const b = g.addInitializer('b', new Float32Array([0.5, -0.5]), [2]);
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  const z = g.op('Softmax', [y], { axis: OnnxAttr.int(-1) });
  g.addOutput(z, ['batch', 2]);
  const session = await ort.InferenceSession.create(g.toModelBytes());
  for (const batch of [1, 4]) {
    const input = new Float32Array(batch * 3).fill(1);
    const out = await session.run({ x: new ort.Tensor('float32', input, [batch, 3]) });
    const probs = out[z]!.data as Float32Array;
    assert.deepEqual(out[z]!.dims, [batch, 2]);
    // logits 9.5 and 11.5 → softmax(−2, 0)
    assert.ok(Math.abs(probs[1]! - 1 / (1 + Math.exp(-2))) < 1e-6);
  }
  await session.release();
});

test('metadata written into the file reads back unchanged', () => {
  const meta: ModelMetadata = {
    kind: 'acoustic',
    version: '2024.1',
    inputs: [{ name: 'pcm', type: 'int16', shape: ['batch', 16000] }],
    sampleRate: 16000,
    frameShape: [16000],
    threshold: 0.5,
    calibration: { method: 'logistic', a: 1.5, b: -3 },
    trainingDataFingerprint: 'sha256:abc',
    metrics: { auc: 0.97, pauc: 0.9 },
  };
  const g = new OnnxGraphBuilder();
  g.addOutput(g.op('Identity', [g.addInput('pcm', ['batch', 16000])]), ['batch', 16000]);
  assert.deepEqual(readModelMetadata(g.toModelBytes({ metadata: encodeModelMetadata(meta) })), meta);
});

test('rejects an initializer whose data does not fill its dims', () => {
  const g = new OnnxGraphBuilder();
  assert.throws(() => g.addInitializer('w', new Float32Array(5), [2, 3]), OnnxGraphError);
});

test('rejects a tensor name defined twice', () => {
  const g = new OnnxGraphBuilder();
  g.addInput('x', [1]);
  assert.throws(() => g.addInitializer('x', new Float32Array(1), [1]), OnnxGraphError);
});

test('string constants and nodes of another operator domain run in onnxruntime', async () => {
  const g = new OnnxGraphBuilder();
  const x = g.addInput('x', ['batch'], OnnxDataType.STRING);
  const joined = g.op('StringConcat', [x, g.addStringInitializer('suffix', ['-ü'])]);
  const hash = g.domainOp('com.microsoft', 'MurmurHash3', [joined], { seed: OnnxAttr.int(0), positive: OnnxAttr.int(1) });
  g.addOutput(joined, ['batch'], OnnxDataType.STRING);
  g.addOutput(hash, ['batch'], OnnxDataType.UINT32);
  const session = await ort.InferenceSession.create(g.toModelBytes({ opsetVersion: 20, irVersion: 9, domainOpsets: { 'com.microsoft': 1 } }));
  const out = await session.run({ x: new ort.Tensor('string', ['a', 'hello'], [2]) });
  assert.deepEqual(out[joined]!.data, ['a-ü', 'hello-ü']);
  assert.equal((out[hash]!.data as Uint32Array).length, 2);
  await session.release();
});

test('refuses to write a node whose operator domain has no opset', () => {
  const g = new OnnxGraphBuilder();
  const x = g.addInput('x', ['batch'], OnnxDataType.STRING);
  g.addOutput(g.domainOp('com.microsoft', 'MurmurHash3', [x]), ['batch'], OnnxDataType.UINT32);
  assert.throws(() => g.toModelBytes({ opsetVersion: 20, irVersion: 9 }), /com\.microsoft/);
});
