import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@premonitor/config';
import { forecastingConfigShape, settingsFromConfig } from './forecasting-config.js';

const parse = (limits: unknown) => () => loadConfig(forecastingConfigShape, { FORECAST_LIMITS: JSON.stringify(limits) });

test('FORECAST_LIMITS takes real sensor names after the scope, refuses a bad scope or sensor', () => {
  const config = parse({ '*:Temperature (°C)': { high: 90 }, 'plant-1/pump-7:Volume Flow RateRMS': { low: 20 } })();
  assert.deepEqual(Object.keys(config.FORECAST_LIMITS as object), ['*:Temperature (°C)', 'plant-1/pump-7:Volume Flow RateRMS']);
  assert.throws(parse({ 'Plant/pump:x': { high: 1 } }), /FORECAST_LIMITS: Invalid key/);
  assert.throws(parse({ '*:bad\tsensor': { high: 1 } }), /FORECAST_LIMITS: Invalid key/);
});

test('defaults: a fixed seed, automatic training every hour from 500 recent readings, the anomaly score over 30 minutes', () => {
  const settings = settingsFromConfig(loadConfig(forecastingConfigShape, {}));
  assert.equal(settings.train.seed, 42);
  assert.equal(settings.train.forecaster, 'auto');
  assert.deepEqual(settings.autoTrain, { intervalMs: 3_600_000, minPoints: 500, lookbackMs: 14 * 86_400_000, concurrency: 1 });
  assert.deepEqual(settings.anomaly, { lookbackMs: 1_800_000, rule: { threshold: 0.5 } });
  const off = settingsFromConfig(loadConfig(forecastingConfigShape, { FORECAST_AUTO_TRAIN_MINUTES: '0', FORECAST_SEED: '7', FORECAST_SEASON_STEPS: '24' }));
  assert.equal(off.autoTrain.intervalMs, 0);
  assert.equal(off.train.seed, 7);
  assert.equal(off.train.season, 24);
});
