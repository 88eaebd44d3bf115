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
  const trained = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 15, units: 16, seed: 1, seasonalBase: false, forecaster: 'lstm' });
  const m = trained.metrics;
  assert.ok(m.valMaeAtHorizon < 0.5 * m.persistenceMaeAtHorizon, `${m.valMaeAtHorizon} vs persistence ${m.persistenceMaeAtHorizon}`);
  assert.ok(m.shrinkage[11]! >= 0.8, `shrinkage at the horizon ${m.shrinkage[11]}`);
  assert.ok(m.intervalCoverage > 0.75, `held-out coverage ${m.intervalCoverage}`);
});

test('on a daily cycle the forecaster takes a seasonal base, found in the training span, and beats persistence clearly', async () => {
  const trained = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 15, units: 16, seed: 1, forecaster: 'lstm' });
  const m = trained.metrics;
  const base = trained.spec.base![11]!;
  assert.ok((base.kind === 'mean' || base.kind === 'median') && base.period === 144, JSON.stringify(base));
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

test('the forecaster is chosen by rolling-origin validation: persistence on a random walk, a seasonal one on a noisy daily cycle', async () => {
  const random = new SeededRandom(21);
  let level = 0;
  const walk = Array.from({ length: 900 }, (_, i) => ({ time: T0 + i * STEP, value: (level += random.gaussian(0, 1)) }));
  const onWalk = await trainForecaster(alignSeries([walk], { maxGapSteps: 3, targetKey: 'walk' }), ['walk'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 4, units: 8, calendar: false });
  const selection = onWalk.metrics.selection!;
  assert.deepEqual(selection.candidates.map((c) => c.kind), ['persistence', 'seasonal-naive', 'linear', 'lstm']);
  assert.equal(selection.folds, 3);
  // On a random walk nothing beats persistence by the margin.
  assert.equal(onWalk.metrics.chosen, 'persistence', selection.reason);
  assert.equal(onWalk.metrics.epochsRun, 0);
  assert.match(selection.reason, /^persistence: 1\.000× persistence's MAE on 3 rolling-origin fold/);

  const noisy = Array.from({ length: 1200 }, (_, i) => ({ time: T0 + i * STEP, value: 50 + 5 * Math.sin((2 * Math.PI * i) / 144) + random.gaussian(0, 1.5) }));
  const onCycle = await trainForecaster(alignSeries([noisy], { maxGapSteps: 3, targetKey: 'cycle' }), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 4, units: 8, calendar: false });
  const chosen = onCycle.metrics.selection!.candidates.find((c) => c.kind === onCycle.metrics.chosen)!;
  assert.notEqual(onCycle.metrics.chosen, 'persistence', onCycle.metrics.selection!.reason);
  assert.ok(chosen.relativeMae! < 0.9, onCycle.metrics.selection!.reason);
  assert.equal(onCycle.metrics.selection!.season, 144);
  assert.ok(onCycle.metrics.valMaeAtHorizon < onCycle.metrics.persistenceMaeAtHorizon, JSON.stringify(onCycle.metrics.valMaePerStep));
});

test('the default seed is fixed: two trainings of the same history give the same model', async () => {
  const a = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, units: 4, forecaster: 'lstm' });
  const b = await trainForecaster(dailyCycle(), ['cycle'], { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, units: 4, forecaster: 'lstm' });
  assert.equal(DEFAULT_TRAIN_OPTIONS.seed, 42);
  assert.deepEqual(Array.from(a.model.params), Array.from(b.model.params));
});
