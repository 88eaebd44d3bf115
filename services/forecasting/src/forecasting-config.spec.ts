import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@premonitor/config';
import { forecastingConfigShape, settingsFromConfig } from './forecasting-config.js';

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

test('FORECAST_LIMITS keys are site/device:sensor or *:sensor, the sensor as the telemetry contract allows', () => {
  const limits = (json: string) => settingsFromConfig(loadConfig(forecastingConfigShape, { FORECAST_LIMITS: json })).limits;
  assert.deepEqual(limits('{"site-a/pump-1:temp.c": {"high": 90}, "*:flow_rate": {"low": 1}}'), { 'site-a/pump-1:temp.c': { high: 90 }, '*:flow_rate': { low: 1 } });
  assert.throws(() => limits('{"site-a:temp": {"high": 90}}'), /FORECAST_LIMITS: Invalid key/);
  assert.throws(() => limits('{"*:": {"high": 90}}'), /FORECAST_LIMITS: Invalid key/);
  assert.throws(() => limits('{"*:temp": {"high": "hot"}}'));
});
