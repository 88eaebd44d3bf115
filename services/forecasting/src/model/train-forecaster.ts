import * as tf from '@tensorflow/tfjs';
import { InsufficientHistoryError } from '../errors.js';
import type { AlignedSeries } from '../series/align-series.js';
import { fitScaler } from '../series/scaler.js';
import { featureCount, type ForecasterSpec } from './forecaster-spec.js';
import { calibrateHalfWidths, heldOutCoverage } from './intervals.js';
import { buildWindows, splitByTime, usableOrigins } from './training-windows.js';

/** Hyper-parameters of one training run. */
export interface TrainOptions {
  readonly sequenceLength: number;
  readonly horizon: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly units: number;
  /** Epochs without a better validation loss before stopping (default 5). */
  readonly patience: number;
  /** Share of the usable windows, latest in time, used for validation (default 0.2). */
  readonly validationFraction: number;
  /** Fewest training windows accepted; below this training is refused. */
  readonly minTrainingWindows: number;
  readonly intervalLevel: number;
  readonly learningRate: number;
  /** `auto`: time-of-day inputs when the step is between 1 min and 1 h. */
  readonly calendar: boolean | 'auto';
  /** Default limits are the training mean ± this many standard deviations. */
  readonly defaultLimitSigmas: number;
  /** Seeds weight initialisation (reproducible tests). */
  readonly seed?: number;
  readonly maxGapSteps: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = Object.freeze({
  sequenceLength: 30,
  horizon: 12,
  epochs: 50,
  batchSize: 32,
  units: 32,
  patience: 5,
  validationFraction: 0.2,
  minTrainingWindows: 50,
  intervalLevel: 0.9,
  learningRate: 0.003,
  calendar: 'auto',
  defaultLimitSigmas: 4,
  maxGapSteps: 5,
});

/** Validation figures of a trained forecaster, in the target's units. */
export interface ForecastMetrics {
  readonly valMae: number;
  readonly valRmse: number;
  readonly valMaeAtHorizon: number;
  readonly valMaePerStep: readonly number[];
  readonly persistenceMaeAtHorizon: number;
  /** Held-out coverage of the intervals on validation (calibrated on its first half). */
  readonly intervalCoverage: number;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly trainWindows: number;
  readonly validationWindows: number;
  readonly trainSeconds: number;
}

/** A trained tfjs model with what it needs to be exported and used. */
export interface TrainedForecaster {
  readonly model: tf.LayersModel;
  readonly spec: ForecasterSpec;
  readonly metrics: ForecastMetrics;
}

/**
 * Trains LSTM(units) → Dense(horizon) on one aligned series: windows of the last
 * `sequenceLength` steps predict the next `horizon` changes directly. Early stopping on a
 * time-ordered validation split restores the best epoch's weights; the validation residuals
 * then calibrate the per-step intervals.
 */
export async function trainForecaster(series: AlignedSeries, inputKeys: readonly string[], options: TrainOptions, now: () => number = Date.now): Promise<TrainedForecaster> {
  const started = now();
  const calendar = options.calendar === 'auto' ? series.stepMs >= 60_000 && series.stepMs <= 3_600_000 : options.calendar;
  const draft: ForecasterSpec = {
    targetKey: inputKeys[0]!,
    inputKeys,
    sequenceLength: options.sequenceLength,
    horizon: options.horizon,
    stepMs: series.stepMs,
    maxGapSteps: options.maxGapSteps,
    calendar,
    scaler: { mean: [], std: [] },
    intervalLevel: options.intervalLevel,
    halfWidths: [],
    defaultLimits: { low: 0, high: 0 },
  };
  const origins = usableOrigins(draft, series.columns);
  const minValidation = 10;
  const needWindows = options.minTrainingWindows + minValidation;
  if (origins.length < needWindows) {
    const need = options.sequenceLength + options.horizon + needWindows - 1;
    throw new InsufficientHistoryError(
      `${draft.targetKey} has ${origins.length} usable window(s) at a ${series.stepMs / 1000} s step; training needs at least ${need} consecutive readings ` +
        `(sequence_length ${options.sequenceLength} + forecast_horizon ${options.horizon} + ${needWindows - 1}), with gaps of at most ${options.maxGapSteps} steps`,
      origins.length + options.sequenceLength + options.horizon - 1,
      need,
    );
  }
  const { train, validation } = splitByTime(origins, options.horizon, options.validationFraction, minValidation);
  // Scale on the training span only, so validation stays unseen.
  const trainEnd = (train[train.length - 1] ?? 0) + options.horizon + 1;
  const scaler = fitScaler(series.columns.map((c) => c.subarray(0, trainEnd)));
  const spec: ForecasterSpec = {
    ...draft,
    scaler,
    defaultLimits: {
      low: scaler.mean[0]! - options.defaultLimitSigmas * scaler.std[0]!,
      high: scaler.mean[0]! + options.defaultLimitSigmas * scaler.std[0]!,
    },
  };
  const f = featureCount(spec);
  const tr = buildWindows(spec, series.columns, series.start, train);
  const va = buildWindows(spec, series.columns, series.start, validation);

  const model = buildModel(f, options);
  const xs = tf.tensor3d(tr.x, [train.length, spec.sequenceLength, f]);
  const ys = tf.tensor2d(tr.y, [train.length, spec.horizon]);
  const xv = tf.tensor3d(va.x, [validation.length, spec.sequenceLength, f]);
  const yv = tf.tensor2d(va.y, [validation.length, spec.horizon]);
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: [] as tf.Tensor[] };
  let epochsRun = 0;
  try {
    await model.fit(xs, ys, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: true,
      validationData: [xv, yv],
      verbose: 0,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          epochsRun = epoch + 1;
          const loss = logs?.['val_loss'] ?? Number.POSITIVE_INFINITY;
          if (loss < best.loss) {
            best.weights.forEach((w) => w.dispose());
            best = { loss, epoch: epoch + 1, weights: model.getWeights().map((w) => w.clone()) };
          } else if (epoch + 1 - best.epoch >= options.patience) {
            model.stopTraining = true;
          }
        },
      },
    });
    if (best.weights.length > 0) model.setWeights(best.weights);
  } finally {
    best.weights.forEach((w) => w.dispose());
    tf.dispose([xs, ys, xv, yv]);
  }

  // Residuals in target units: the scaled change times std.
  const predicted = tf.tidy(() => (model.predict(tf.tensor3d(va.x, [validation.length, spec.sequenceLength, f])) as tf.Tensor).dataSync());
  const std = scaler.std[0]!;
  const residuals: number[][] = Array.from({ length: spec.horizon }, () => []);
  let absPersist = 0;
  for (let w = 0; w < validation.length; w++) {
    for (let h = 0; h < spec.horizon; h++) residuals[h]!.push((va.y[w * spec.horizon + h]! - predicted[w * spec.horizon + h]!) * std);
    absPersist += Math.abs(va.y[w * spec.horizon + spec.horizon - 1]!) * std;
  }
  const maePerStep = residuals.map((r) => mean(r.map(Math.abs)));
  const all = residuals.flat();
  const halfWidths = calibrateHalfWidths(residuals, options.intervalLevel);
  const metrics: ForecastMetrics = {
    valMae: mean(all.map(Math.abs)),
    valRmse: Math.sqrt(mean(all.map((e) => e * e))),
    valMaeAtHorizon: maePerStep[spec.horizon - 1]!,
    valMaePerStep: maePerStep,
    persistenceMaeAtHorizon: absPersist / validation.length,
    intervalCoverage: heldOutCoverage(residuals, options.intervalLevel),
    epochsRun,
    bestEpoch: best.epoch,
    trainWindows: train.length,
    validationWindows: validation.length,
    trainSeconds: (now() - started) / 1000,
  };
  return { model, spec: { ...spec, halfWidths }, metrics };
}

function buildModel(features: number, options: TrainOptions): tf.LayersModel {
  const seed = options.seed;
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({
        inputShape: [options.sequenceLength, features],
        units: options.units,
        // tfjs defaults to hardSigmoid; sigmoid is the standard LSTM gate and exports as ONNX Sigmoid.
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed === undefined ? undefined : seed + 1 }),
      }),
      tf.layers.dense({ units: options.horizon, kernelInitializer: tf.initializers.glorotUniform({ seed: seed === undefined ? undefined : seed + 2 }) }),
    ],
  });
  // MAE loss: the figure we are judged on, and robust to the spikes of real sensor data.
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanAbsoluteError' });
  return model;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
