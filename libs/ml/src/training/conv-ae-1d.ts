import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../data/seeded-random.js';

/** Shape and schedule of the 1-D conv autoencoder (the SKAB Conv-AE recipe, small). */
export interface ConvAe1dConfig {
  readonly steps: number;
  readonly channels: number;
  /** Filters of the two encoder stages. */
  readonly filters: readonly [number, number];
  readonly kernel: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

/**
 * Two conv + max-pool stages over time down to a quarter of the window, then nearest
 * upsampling + conv back up, a linear output of every channel. Built from 2-D layers on a
 * `[1, steps, channels]` image (kernel 1 × k) because that is what the ONNX exporter and the
 * WASM backend's trainable convolutions support; `steps` must be a multiple of 4.
 */
export function buildConvAe1d(config: ConvAe1dConfig): tf.Sequential {
  const [f1, f2] = config.filters;
  let seed = config.seed;
  const conv = (filters: number, activation: 'relu' | 'linear', inputShape?: number[]): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: [1, config.kernel], padding: 'same', activation, inputShape, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });
  const model = tf.sequential();
  model.add(conv(f1, 'relu', [1, config.steps, config.channels]));
  model.add(tf.layers.maxPooling2d({ poolSize: [1, 2] }));
  model.add(conv(f2, 'relu'));
  model.add(tf.layers.maxPooling2d({ poolSize: [1, 2] }));
  model.add(conv(f2, 'relu'));
  model.add(tf.layers.upSampling2d({ size: [1, 2] }));
  model.add(conv(f1, 'relu'));
  model.add(tf.layers.upSampling2d({ size: [1, 2] }));
  model.add(conv(config.channels, 'linear'));
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'meanSquaredError' });
  return model;
}

/**
 * Trains on standardised windows `[n, steps, channels]`. The windows are shuffled once with a
 * seeded permutation and tfjs's own (Math.random) shuffling is off, so a seed gives one model.
 */
export async function trainConvAe1d(windows: Float32Array, config: ConvAe1dConfig): Promise<{ model: tf.Sequential; finalLoss: number }> {
  const size = config.steps * config.channels;
  const n = windows.length / size;
  const order = Array.from({ length: n }, (_, i) => i);
  const random = new SeededRandom(config.seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const shuffled = new Float32Array(windows.length);
  order.forEach((from, to) => shuffled.set(windows.subarray(from * size, (from + 1) * size), to * size));
  const model = buildConvAe1d(config);
  const x = tf.tensor4d(shuffled, [n, 1, config.steps, config.channels]);
  try {
    const history = await model.fit(x, x, { epochs: config.epochs, batchSize: config.batchSize, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    return { model, finalLoss: losses[losses.length - 1] ?? Number.NaN };
  } finally {
    x.dispose();
  }
}

/** Mean absolute reconstruction error of each standardised window (the graph's `error`). */
export function convAeErrors(model: tf.Sequential, windows: Float32Array, steps: number, channels: number): Float64Array {
  const n = windows.length / (steps * channels);
  const errors = tf.tidy(() => {
    const x = tf.tensor4d(windows, [n, 1, steps, channels]);
    const recon = model.predict(x, { batchSize: 256 }) as tf.Tensor;
    return tf.mean(tf.abs(tf.sub(recon, x)), [1, 2, 3]);
  });
  try {
    return Float64Array.from(errors.dataSync());
  } finally {
    errors.dispose();
  }
}
