import * as tf from '@tensorflow/tfjs';
import type { EpochProgress } from '../training-progress.js';

/** Shape and schedule of the thermal conv autoencoder. */
export interface ConvAutoencoderConfig {
  readonly height: number;
  readonly width: number;
  /** Channels of the two encoder stages. */
  readonly channels: readonly [number, number];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

/**
 * Two 3×3 conv + 2×2 max-pool stages down to a quarter of the resolution, then nearest
 * upsampling + conv back up; a linear 1-channel output. Height and width must be
 * multiples of 4 (24×32 and 60×80 are).
 */
export function buildConvAutoencoder(config: ConvAutoencoderConfig): tf.Sequential {
  const [c1, c2] = config.channels;
  let seed = config.seed;
  const conv = (filters: number, activation: 'relu' | 'linear', inputShape?: number[]): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, inputShape, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });
  const model = tf.sequential();
  model.add(conv(c1, 'relu', [config.height, config.width, 1]));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(conv(c2, 'relu'));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(conv(c2, 'relu'));
  model.add(tf.layers.upSampling2d({ size: [2, 2] }));
  model.add(conv(c1, 'relu'));
  model.add(tf.layers.upSampling2d({ size: [2, 2] }));
  model.add(conv(1, 'linear'));
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'meanSquaredError' });
  return model;
}

/** Trains on normalised healthy frames `[n × h × w]` and reports each epoch. */
export async function trainConvAutoencoder(frames: Float32Array, config: ConvAutoencoderConfig, onEpoch: (p: EpochProgress) => void): Promise<tf.Sequential> {
  const n = frames.length / (config.height * config.width);
  const model = buildConvAutoencoder(config);
  const x = tf.tensor4d(frames, [n, config.height, config.width, 1]);
  const started = performance.now();
  try {
    await model.fit(x, x, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      // Frames arrive grouped by machine and episode; tfjs shuffles per epoch (Math.random).
      shuffle: true,
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
