/**
 * Times training the DCASE-baseline-sized dense autoencoder with tfjs's `cpu` and `wasm`
 * backends on the same seeded data and prints the figures; the last line is one JSON
 * object. Not a test: run `node libs/ml/dist/bench/backends.js [epochs] [rows]`.
 */
import * as tf from '@tensorflow/tfjs';
import { useTfjsBackend, wasmSimdEnabled } from '../training/tfjs-backend.js';
import type { TfjsBackendName } from '../training/tfjs-backend.js';
import { SeededRandom } from '../data/seeded-random.js';

const DIMS = 320; // 5 stacked frames × 64 mel bands
const epochs = Number(process.argv[2] ?? 2);
const rows = Number(process.argv[3] ?? 2048);
const batchSize = 512;

function autoencoder(): tf.Sequential {
  const model = tf.sequential();
  [128, 128, 128, 128, 8, 128, 128, 128, 128].forEach((units, i) => {
    model.add(tf.layers.dense({ units, inputShape: i === 0 ? [DIMS] : undefined, kernelInitializer: tf.initializers.glorotUniform({ seed: i }) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
  });
  model.add(tf.layers.dense({ units: DIMS, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

function data(): Float32Array {
  const random = new SeededRandom(42);
  return Float32Array.from({ length: rows * DIMS }, (_, i) => Math.sin(i % DIMS) + 0.1 * random.uniform(-0.5, 0.5));
}

async function timeBackend(backend: TfjsBackendName, x: Float32Array): Promise<{ backend: string; simd: boolean; s_per_epoch: number; predict_rows_per_s: number; loss: number }> {
  await useTfjsBackend(backend);
  const model = autoencoder();
  const xs = tf.tensor2d(x, [rows, DIMS]);
  // One warm-up batch so kernel compilation and WASM start-up are not counted.
  await model.fit(xs.slice(0, batchSize), xs.slice(0, batchSize), { epochs: 1, batchSize, verbose: 0 });
  const t0 = performance.now();
  const history = await model.fit(xs, xs, { epochs, batchSize, verbose: 0, shuffle: true });
  const trainS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  (model.predict(xs) as tf.Tensor).dispose();
  const predictS = (performance.now() - t1) / 1000;
  const loss = history.history['loss']?.at(-1);
  xs.dispose();
  model.dispose();
  const result = { backend, simd: await wasmSimdEnabled(), s_per_epoch: trainS / epochs, predict_rows_per_s: rows / predictS, loss: Number(loss) };
  console.log(`${backend}${result.simd ? ' (simd)' : ''}: ${result.s_per_epoch.toFixed(2)} s/epoch over ${rows} rows (batch ${batchSize}), predict ${Math.round(result.predict_rows_per_s)} rows/s, final loss ${result.loss.toFixed(4)}`);
  return result;
}

const x = data();
const results = [];
for (const backend of ['cpu', 'wasm'] as const) results.push(await timeBackend(backend, x));
const fastest = results.reduce((a, b) => (b.s_per_epoch < a.s_per_epoch ? b : a));
console.log(JSON.stringify({ bench: 'tfjs-backends', epochs, rows, results, fastest: fastest.backend }));
