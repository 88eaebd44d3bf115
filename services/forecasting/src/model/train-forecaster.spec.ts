import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { alignSeries } from '../series/align-series.js';
import { DEFAULT_TRAIN_OPTIONS, trainForecaster } from './train-forecaster.js';

const T0 = Date.UTC(2024, 0, 1);
const STEP = 600_000;

test('on a random walk the forecaster falls back toward persistence instead of losing to it', async () => {
  const random = new SeededRandom(11);
  let level = 20;
  const walk = Array.from({ length: 700 }, (_, i) => ({ time: T0 + i * STEP, value: (level += random.gaussian(0, 1)) }));
  const trained = await trainForecaster(alignSeries([walk], { maxGapSteps: 3, targetKey: 'walk' }), ['walk'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 4, units: 8, seed: 2, calendar: false });
  const m = trained.metrics;
  assert.ok(m.valMaeAtHorizon <= m.persistenceMaeAtHorizon * (1 + 1e-9), `${m.valMaeAtHorizon} vs persistence ${m.persistenceMaeAtHorizon}`);
  assert.ok(m.shrinkage.every((a) => a >= 0 && a <= 1));
});

function dailyCycle() {
  const random = new SeededRandom(5);
  const cycle = Array.from({ length: 900 }, (_, i) => ({ time: T0 + i * STEP, value: 50 + 5 * Math.sin((2 * Math.PI * i) / 144) + random.gaussian(0, 0.2) }));
  return alignSeries([cycle], { maxGapSteps: 3, targetKey: 'cycle' });
}

test('on a daily cycle the network alone (persistence base) beats persistence clearly and keeps its forecast unshrunk', async () => {
  const trained = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 15, units: 16, seed: 1, seasonalBase: false });
  const m = trained.metrics;
  assert.ok(m.valMaeAtHorizon < 0.5 * m.persistenceMaeAtHorizon, `${m.valMaeAtHorizon} vs persistence ${m.persistenceMaeAtHorizon}`);
  assert.ok(m.shrinkage[11]! >= 0.8, `shrinkage at the horizon ${m.shrinkage[11]}`);
  assert.ok(m.intervalCoverage > 0.75, `held-out coverage ${m.intervalCoverage}`);
});

test('on a daily cycle the forecaster takes a seasonal base, found in the training span, and beats persistence clearly', async () => {
  const trained = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 15, units: 16, seed: 1 });
  const m = trained.metrics;
  const base = trained.spec.base![11]!;
  assert.ok(base.kind !== 'trend' && base.period === 144, JSON.stringify(base));
  assert.ok(m.valMaeAtHorizon < 0.2 * m.persistenceMaeAtHorizon, `${m.valMaeAtHorizon} vs persistence ${m.persistenceMaeAtHorizon}`);
  assert.ok(m.baseComparison && m.baseComparison.base <= m.baseComparison.persistence, JSON.stringify(m.baseComparison));
});

test('default limits are where normal operation of the span before validation ends: a surge in the validation part stays outside them', async () => {
  const random = new SeededRandom(8);
  // 600 quiet steps around 50, then the last 100 (inside the validation part) at 80.
  const values = Array.from({ length: 700 }, (_, i) => ({ time: T0 + i * STEP, value: (i < 600 ? 50 : 80) + random.gaussian(0, 1) }));
  const trained = await trainForecaster(alignSeries([values], { maxGapSteps: 3, targetKey: 'v' }), ['v'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, units: 4, seed: 3, calendar: false, seasonalBase: false });
  const { low, high } = trained.spec.defaultLimits;
  assert.ok(high > 53 && high < 60 && low < 47 && low > 40, JSON.stringify(trained.spec.defaultLimits));
  assert.ok(trained.metrics.validationStart > T0 + 500 * STEP && trained.metrics.validationStart <= T0 + 600 * STEP, new Date(trained.metrics.validationStart).toISOString());
});
