import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTfjsBackend } from '@premonitor/ml/training';
import { alignSeries } from '../series/align-series.js';
import { featureCount } from './forecaster-spec.js';
import { exportForecasterToOnnx, OnnxForecaster } from './onnx-forecaster.js';
import { DEFAULT_TRAIN_OPTIONS, trainForecaster } from './train-forecaster.js';
import { buildWindows, usableOrigins } from './training-windows.js';

test('the trained forecaster exported to ONNX (LSTM op) predicts what tfjs predicts within 1e-4', async () => {
  await useTfjsBackend('wasm');
  // Two sensors (multivariate) with a daily cycle at a 10-minute step: calendar inputs on.
  const t0 = Date.UTC(2024, 0, 1);
  const step = 600_000;
  const temp = Array.from({ length: 400 }, (_, i) => ({ time: t0 + i * step, value: 50 + 5 * Math.sin((2 * Math.PI * i) / 144) + 0.3 * Math.cos(i) }));
  const load = temp.map((p, i) => ({ time: p.time, value: 10 + ((i * 7) % 13) }));
  const series = alignSeries([temp, load], { maxGapSteps: 3, targetKey: 'temp' });
  const trained = await trainForecaster(series, ['temp', 'load'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, units: 8, seed: 1 });
  assert.equal(trained.spec.calendar, true);
  assert.equal(featureCount(trained.spec), 4);
  assert.equal(trained.spec.halfWidths.length, 12);

  const onnx = await OnnxForecaster.load(exportForecasterToOnnx(trained.model, trained.spec, 'test'), trained.spec);
  const origins = usableOrigins(trained.spec, series.columns).slice(-16);
  const windows = buildWindows(trained.spec, series.columns, series.start, origins);
  const expected = tf.tidy(() => (trained.model.predict(tf.tensor3d(windows.x, [origins.length, 30, 4])) as tf.Tensor).dataSync());
  const got = await onnx.run(windows.x, origins.length);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i]! - expected[i]!));
  console.log(`forecaster parity: max abs diff ${diff.toExponential(2)} over ${got.length} outputs`);
  assert.ok(diff < 1e-4, `max abs diff ${diff}`);

  const [points] = await onnx.forecastAt(series.columns, series.start, [origins[origins.length - 1]!]);
  assert.equal(points?.length, 12);
  assert.ok(points!.every((p) => p.lower <= p.predicted && p.predicted <= p.upper));
  assert.equal(points![0]!.hoursAhead, 1 / 6);
  await onnx.release();
  trained.model.dispose();
});
