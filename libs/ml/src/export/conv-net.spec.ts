import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describeLayersModel } from './describe-layers-model.js';
import { exportModelToOnnx } from './onnx-exporter.js';
import { maxAbsDiff, runOnnx, seededUniform } from './parity-harness.js';

// Non-square, odd-after-pooling input so swapped axes or misplaced 'same' padding show up.
const INPUT: [number, number, number] = [12, 10, 3];

async function assertParity(model: tf.LayersModel, label: string): Promise<void> {
  const batch = 4;
  const input = seededUniform(batch * INPUT[0] * INPUT[1] * INPUT[2], 5);
  const expected = tf.tidy(() => {
    const y = model.predict(tf.tensor4d(input, [batch, ...INPUT])) as tf.Tensor;
    return { data: y.dataSync(), shape: y.shape };
  });
  const got = await runOnnx(exportModelToOnnx(describeLayersModel(model)), input, [batch, ...INPUT]);
  assert.deepEqual(got.dims, expected.shape);
  const diff = maxAbsDiff(got.data, expected.data);
  console.log(`${label}: max abs diff tfjs vs onnxruntime ${diff.toExponential(3)}`);
  assert.ok(diff < 1e-4, `${label}: max abs diff ${diff}`);
}

const init = (seed: number) => ({ kernelInitializer: tf.initializers.heNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 100, stddev: 0.1 }) });

test('a conv autoencoder (Conv2D, BatchNorm, MaxPool same, strided conv, UpSampling) matches tfjs within 1e-4', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: INPUT, filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', ...init(1) }),
      tf.layers.batchNormalization({
        movingMeanInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }),
        movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 4 }),
        gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 5 }),
        betaInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 6 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), // 12×10 → 6×5
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', ...init(2) }), // → 3×3, pads (0,1)
      tf.layers.upSampling2d({ size: [2, 2] }), // → 6×6
      tf.layers.conv2d({ filters: 3, kernelSize: [3, 2], padding: 'valid', activation: 'sigmoid', ...init(3) }), // → 4×5
    ],
  });
  await assertParity(model, 'conv autoencoder');
  model.dispose();
});

test('a conv classifier (valid strided conv, Flatten in NHWC order, Dense softmax) matches tfjs within 1e-4', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: INPUT, filters: 5, kernelSize: 3, strides: [2, 1], padding: 'valid', activation: 'relu', ...init(7) }),
      tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [1, 2], padding: 'valid' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax', ...init(8) }),
    ],
  });
  await assertParity(model, 'conv classifier');
  model.dispose();
});
