import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describeLayersModel } from './describe-layers-model.js';
import { exportModelToOnnx } from './onnx-exporter.js';
import { maxAbsDiff, runOnnx, seededUniform } from './parity-harness.js';

function denseAutoencoder(dims: number, seed: number): tf.Sequential {
  const model = tf.sequential();
  [32, 8, 32].forEach((units, i) => {
    model.add(tf.layers.dense({
      units,
      inputShape: i === 0 ? [dims] : undefined,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
    }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
  });
  model.add(tf.layers.dense({ units: dims, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 9 }) }));
  return model;
}

async function assertParity(model: tf.LayersModel, dims: number, label: string): Promise<number> {
  const batch = 16;
  const input = seededUniform(batch * dims, 7, -2, 2);
  const expected = tf.tidy(() => (model.predict(tf.tensor2d(input, [batch, dims])) as tf.Tensor).dataSync());
  const got = await runOnnx(exportModelToOnnx(describeLayersModel(model)), input, [batch, dims]);
  assert.deepEqual(got.dims, [batch, dims]);
  const diff = maxAbsDiff(got.data, expected);
  console.log(`${label}: max abs diff tfjs vs onnxruntime ${diff.toExponential(3)}`);
  assert.ok(diff < 1e-4, `${label}: max abs diff ${diff}`);
  return diff;
}

test('a dense BatchNorm+ReLU autoencoder exports with outputs within 1e-4 of tfjs', async () => {
  const model = denseAutoencoder(40, 1);
  await assertParity(model, 40, 'dense autoencoder (random init)');
  model.dispose();
});

test('a briefly trained dense autoencoder keeps parity with its learned BatchNorm statistics', async () => {
  const dims = 40;
  const model = denseAutoencoder(dims, 2);
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  // Low-rank synthetic data with an offset, so the moving means and variances move away from 0/1.
  const rows = 256;
  const basis = seededUniform(3 * dims, 11);
  const codes = seededUniform(rows * 3, 12);
  const data = new Float32Array(rows * dims).map((_, i) => {
    const r = Math.floor(i / dims);
    const c = i % dims;
    return 0.5 + codes[r * 3]! * basis[c]! + codes[r * 3 + 1]! * basis[dims + c]! + codes[r * 3 + 2]! * basis[2 * dims + c]!;
  });
  const x = tf.tensor2d(data, [rows, dims]);
  await model.fit(x, x, { epochs: 3, batchSize: 32, verbose: 0, shuffle: false });
  x.dispose();
  const norms = describeLayersModel(model).layers.filter((l) => l.kind === 'batchNorm');
  assert.ok(norms.every((l) => l.movingMean.some((m) => Math.abs(m) > 1e-3)), 'training should move the BatchNorm means');
  await assertParity(model, dims, 'dense autoencoder (trained 3 epochs)');
  model.dispose();
});
