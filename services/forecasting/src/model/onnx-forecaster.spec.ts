import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ModelDescription } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { alignSeries } from '../series/align-series.js';
import { featureCount } from './forecaster-spec.js';
import { exportForecasterToOnnx, OnnxForecaster } from './onnx-forecaster.js';
import { DEFAULT_TRAIN_OPTIONS, trainForecaster } from './train-forecaster.js';
import { buildWindows, usableOrigins } from './training-windows.js';

test('the trained forecaster exported to ONNX (LSTM op) predicts what the trained network and a tfjs LSTM with its weights predict, within 1e-4', async () => {
  await useTfjsBackend('wasm');
  // Two sensors (multivariate) with a daily cycle at a 10-minute step: calendar inputs on.
  const t0 = Date.UTC(2024, 0, 1);
  const step = 600_000;
  const temp = Array.from({ length: 400 }, (_, i) => ({ time: t0 + i * step, value: 50 + 5 * Math.sin((2 * Math.PI * i) / 144) + 0.3 * Math.cos(i) }));
  const load = temp.map((p, i) => ({ time: p.time, value: 10 + ((i * 7) % 13) }));
  const series = alignSeries([temp, load], { maxGapSteps: 3, targetKey: 'temp' });
  const trained = await trainForecaster(series, ['temp', 'load'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, units: 8, seed: 1, forecaster: 'lstm' });
  assert.equal(trained.spec.calendar, true);
  assert.equal(featureCount(trained.spec), 4);
  assert.equal(trained.spec.halfWidths.length, 12);

  const onnx = await OnnxForecaster.load(exportForecasterToOnnx(trained.model, trained.spec, 'test'), trained.spec);
  const origins = usableOrigins(trained.spec, series.columns).slice(-16);
  const windows = buildWindows(trained.spec, series.columns, series.start, origins);
  const trainedOutputs = trained.model.predict(windows.x, origins.length);
  const got = await onnx.run(windows.x, origins.length);
  // The hand-written network against tfjs's own LSTM layer carrying the same weights: the
  // semantics (gate order, activations, bias) are tfjs's, which the exporter was written for.
  const reference = tfjsTwin(trained.model.toDescription(), 30, 4);
  const tfjsOutputs = tf.tidy(() => (reference.predict(tf.tensor3d(windows.x, [origins.length, 30, 4])) as tf.Tensor).dataSync());
  reference.dispose();
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const onnxDiff = maxDiff(got, trainedOutputs);
  const tfjsDiff = maxDiff(tfjsOutputs, trainedOutputs);
  console.log(`forecaster parity over ${got.length} outputs: ONNX vs trained ${onnxDiff.toExponential(2)}, tfjs vs trained ${tfjsDiff.toExponential(2)}`);
  assert.ok(onnxDiff < 1e-4, `ONNX max abs diff ${onnxDiff}`);
  assert.ok(tfjsDiff < 1e-4, `tfjs max abs diff ${tfjsDiff}`);
  assert.ok(trainedOutputs.some((v) => Math.abs(v) > 1e-3), 'outputs are not trivially zero');

  const [points] = await onnx.forecastAt(series.columns, series.start, [origins[origins.length - 1]!]);
  assert.equal(points?.length, 12);
  assert.ok(points!.every((p) => p.lower <= p.predicted && p.predicted <= p.upper));
  assert.equal(points![0]!.hoursAhead, 1 / 6);
  await onnx.release();
});

function tfjsTwin(description: ModelDescription, steps: number, features: number): tf.LayersModel {
  const [lstm, dense] = description.layers;
  assert.ok(lstm?.kind === 'lstm' && dense?.kind === 'dense');
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [steps, features], units: lstm.units, recurrentActivation: 'sigmoid' }),
      tf.layers.dense({ units: dense.units }),
    ],
  });
  model.setWeights([
    tf.tensor2d(lstm.kernel, [features, 4 * lstm.units]),
    tf.tensor2d(lstm.recurrentKernel, [lstm.units, 4 * lstm.units]),
    tf.tensor1d(lstm.bias!),
    tf.tensor2d(dense.kernel, [lstm.units, dense.units]),
    tf.tensor1d(dense.bias!),
  ]);
  return model;
}
