import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '@premonitor/ml/data';
import type { EpochProgress } from '../training-progress.js';

/** Shape and schedule of the dense autoencoder. */
export interface DenseAutoencoderConfig {
  /** Width of an input row (context × mels). */
  readonly inputDim: number;
  /** Encoder widths before the bottleneck; the decoder mirrors them (DCASE: [128, 128, 128, 128]). */
  readonly hidden: readonly number[];
  /** Bottleneck width (DCASE: 8). */
  readonly bottleneck: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Seeds the weight initialisers and the row shuffle. */
  readonly seed: number;
}

/**
 * The DCASE 2020 task 2 baseline shape: Dense → BatchNorm → ReLU per hidden layer, a
 * linear output layer as wide as the input.
 */
export function buildDenseAutoencoder(config: DenseAutoencoderConfig): tf.Sequential {
  const model = tf.sequential();
  const widths = [...config.hidden, config.bottleneck, ...[...config.hidden].reverse()];
  widths.forEach((units, i) => {
    model.add(tf.layers.dense({ units, inputShape: i === 0 ? [config.inputDim] : undefined, kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + i }) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
  });
  model.add(tf.layers.dense({ units: config.inputDim, kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + 99 }) }));
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'meanSquaredError' });
  return model;
}

/**
 * Trains the autoencoder to reproduce `rows` (`[n × inputDim]`, healthy data only) and
 * reports each epoch. Rows are shuffled once with a seeded permutation and fed in that
 * order, so a run is repeatable on the same backend.
 */
export async function trainDenseAutoencoder(rows: Float32Array, config: DenseAutoencoderConfig, onEpoch: (p: EpochProgress) => void): Promise<tf.Sequential> {
  const n = rows.length / config.inputDim;
  const shuffled = shuffleRows(rows, config.inputDim, config.seed);
  const model = buildDenseAutoencoder(config);
  const x = tf.tensor2d(shuffled, [n, config.inputDim]);
  const started = performance.now();
  try {
    await model.fit(x, x, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch, logs) => onEpoch({ epoch: epoch + 1, epochs: config.epochs, loss: Number(logs?.['loss'] ?? Number.NaN), elapsedS: (performance.now() - started) / 1000 }),
      },
    });
  } finally {
    x.dispose();
  }
  return model;
}

/** Fisher–Yates over rows, so the order depends only on the seed. */
export function shuffleRows(rows: Float32Array, width: number, seed: number): Float32Array {
  const n = rows.length / width;
  const order = Array.from({ length: n }, (_, i) => i);
  const random = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Float32Array(rows.length);
  order.forEach((src, dst) => out.set(rows.subarray(src * width, (src + 1) * width), dst * width));
  return out;
}
