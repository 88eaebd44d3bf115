import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTfjsBackend } from './tfjs-backend.js';

interface Case {
  readonly label: string;
  readonly x: [number, number, number, number];
  readonly w: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid';
}

// Odd and even kernels, non-square images, 'same' padding that is uneven at even kernels, and a
// strided case that takes the fallback path.
const CASES: readonly Case[] = [
  { label: '3×3 same', x: [3, 9, 7, 4], w: [3, 3, 4, 5], strides: [1, 1], pad: 'same' },
  { label: '2×4 same (uneven pads)', x: [2, 8, 6, 3], w: [2, 4, 3, 2], strides: [1, 1], pad: 'same' },
  { label: '3×2 valid', x: [2, 7, 9, 1], w: [3, 2, 1, 6], strides: [1, 1], pad: 'valid' },
  { label: '3×3 stride 2 (fallback)', x: [2, 9, 8, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
];

function gradients(c: Case): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 11);
    const w = tf.randomNormal(c.w, 0, 1, 'float32', 12);
    // sin() makes the output gradient vary per element, so a misplaced pad shows up.
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).sin().sum())([x, w]);
    return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

test('Conv2D gradients on the wasm backend match the cpu backend within 1e-4', async () => {
  await useTfjsBackend('cpu');
  const expected = CASES.map(gradients);
  await useTfjsBackend('wasm');
  CASES.forEach((c, i) => {
    const [dx, dw] = gradients(c);
    for (const [name, got, want] of [['dx', dx, expected[i]![0]], ['dw', dw, expected[i]![1]]] as const) {
      assert.equal(got.length, want.length);
      let diff = 0;
      for (let k = 0; k < got.length; k++) diff = Math.max(diff, Math.abs(got[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!)));
      assert.ok(diff < 1e-4, `${c.label} ${name}: relative difference ${diff}`);
    }
  });
});

test('a conv net trains on the wasm backend: the loss falls', async () => {
  await useTfjsBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 6, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  // Class 1 has a bright 2×2 spot somewhere; class 0 is noise only.
  const n = 64;
  const data = new Float32Array(n * 48);
  const labels = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 48; p++) data[i * 48 + p] = Math.sin(i * 7 + p * 3) * 0.3;
    const hot = i % 2;
    labels[i * 2 + hot] = 1;
    if (hot) for (const p of [0, 1, 6, 7].map((o) => o + ((i * 5) % 4) * 6 + (i % 4))) data[i * 48 + p] = 3;
  }
  const xs = tf.tensor4d(data, [n, 8, 6, 1]);
  const ys = tf.tensor2d(labels, [n, 2]);
  const history = await model.fit(xs, ys, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
  const loss = history.history['loss'] as number[];
  assert.ok(loss.at(-1)! < loss[0]! * 0.5, `loss ${loss[0]} → ${loss.at(-1)}`);
  tf.dispose([xs, ys]);
  model.dispose();
});
