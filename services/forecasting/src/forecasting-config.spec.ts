import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@premonitor/config';
import { forecastingConfigShape } from './forecasting-config.js';

const parse = (limits: unknown) => () => loadConfig(forecastingConfigShape, { FORECAST_LIMITS: JSON.stringify(limits) });

test('FORECAST_LIMITS takes real sensor names after the scope, refuses a bad scope or sensor', () => {
  const config = parse({ '*:Temperature (°C)': { high: 90 }, 'plant-1/pump-7:Volume Flow RateRMS': { low: 20 } })();
  assert.deepEqual(Object.keys(config.FORECAST_LIMITS as object), ['*:Temperature (°C)', 'plant-1/pump-7:Volume Flow RateRMS']);
  assert.throws(parse({ 'Plant/pump:x': { high: 1 } }), /FORECAST_LIMITS: Invalid key/);
  assert.throws(parse({ '*:bad\tsensor': { high: 1 } }), /FORECAST_LIMITS: Invalid key/);
});
