import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describeLayersModel } from './describe-layers-model.js';
import { exportModelToOnnx } from './onnx-exporter.js';
import { maxAbsDiff, runOnnx, seededUniform } from './parity-harness.js';

const STEPS = 30;
const FEATURES = 2;

async function assertParity(model: tf.LayersModel, label: string): Promise<void> {
  const batch = 8;
  const input = seededUniform(batch * STEPS * FEATURES, 3, -1.5, 1.5);
  const expected = tf.tidy(() => {
    const y = model.predict(tf.tensor3d(input, [batch, STEPS, FEATURES])) as tf.Tensor;
    return { data: y.dataSync(), shape: y.shape };
  });
  const got = await runOnnx(exportModelToOnnx(describeLayersModel(model)), input, [batch, STEPS, FEATURES]);
  assert.deepEqual(got.dims, expected.shape);
  const diff = maxAbsDiff(got.data, expected.data);
  console.log(`${label}: max abs diff tfjs vs onnxruntime ${diff.toExponential(3)}`);
  assert.ok(diff < 1e-4, `${label}: max abs diff ${diff}`);
}

const init = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotUniform({ seed }),
  recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  // A non-zero bias catches a wrong gate order that zero biases would hide.
  biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
});

test('an LSTM(16) → Dense(12) forecaster with sigmoid gates matches tfjs within 1e-4', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [STEPS, FEATURES], units: 16, recurrentActivation: 'sigmoid', ...init(1) }),
      tf.layers.dense({ units: 12, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }),
    ],
  });
  await assertParity(model, 'LSTM(16)→Dense(12), sigmoid gates');
  model.dispose();
});

test('stacked LSTMs with tfjs default hardSigmoid gates and returnSequences match tfjs within 1e-4', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [STEPS, FEATURES], units: 8, returnSequences: true, ...init(4) }),
      tf.layers.lstm({ units: 16, ...init(7) }),
      tf.layers.dense({ units: 12, kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) }),
    ],
  });
  const first = describeLayersModel(model).layers[0];
  assert.ok(first?.kind === 'lstm' && first.recurrentActivation === 'hardSigmoid', 'tfjs defaults LSTM gates to hardSigmoid');
  await assertParity(model, 'LSTM(8, seq)→LSTM(16)→Dense(12), hardSigmoid gates');
  model.dispose();
});
