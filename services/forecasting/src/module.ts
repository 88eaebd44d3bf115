import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { sharedModelRegistry, REGISTRY_SCHEMA } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { forecastingConfigShape, settingsFromConfig, type ForecastingConfig } from './forecasting-config.js';
import { pairBody, scheduleQuery, trainBody } from './api/lstm-api.js';
import { Forecasting } from './forecasting.js';
import { FORECASTING_SCHEMA } from './schema.js';

/** Forecasting: per-sensor LSTM forecasts, failure risk and the maintenance schedule under /api/v1/lstm. */
export const forecastingModule: ServiceModule<ForecastingConfig> = {
  name: 'forecasting',
  config: (env) => loadConfig(forecastingConfigShape, env),
  // The registry keeps the forecasters; ingest's `devices` and `readings` are what it learns from (docs/ARCHITECTURE.md, cross-module reads).
  schema: [CORE_SCHEMA, REGISTRY_SCHEMA, INGEST_SCHEMA, FORECASTING_SCHEMA],
  routes: [
    { method: 'POST', path: '/api/v1/lstm/train', permission: 'admin:forecasts', site: 'fleet', docs: { summary: 'Train (and register) a forecaster for one sensor', body: trainBody, example: { device_id: 'demo/sim-001', sensor_key: 'temperature' } } },
    { method: 'POST', path: '/api/v1/lstm/predict', permission: 'read:forecasts', site: 'fleet', docs: { summary: 'Forecast one sensor: points, interval, limits, risk', body: pairBody, example: { device_id: 'demo/sim-001', sensor_key: 'temperature' } } },
    { method: 'GET', path: '/api/v1/lstm/chart', permission: 'read:forecasts', site: 'fleet', docs: { summary: 'The forecast as an SVG chart', query: pairBody } },
    { method: 'GET', path: '/api/v1/lstm/models', permission: 'read:forecasts', site: 'fleet', docs: { summary: 'Trained forecasters' } },
    { method: 'GET', path: '/api/v1/lstm/maintenance-schedule', permission: 'read:forecasts', site: 'fleet', docs: { summary: 'Devices by failure risk within days_ahead', query: scheduleQuery } },
    { method: 'GET', path: '/api/v1/lstm/status', permission: 'read:forecasts', site: 'fleet', docs: { summary: 'Models loaded, training in progress' } },
  ],
  create: (config, context) => {
    // Forecasters are kept in the model registry over FORECAST_MODEL_DIR (embedded mode: the platform's one registry).
    const forecasting = new Forecasting(settingsFromConfig(config), { ...context, models: sharedModelRegistry(context, config.FORECAST_MODEL_DIR) });
    return {
      readiness: forecasting.readiness,
      routers: [{ path: '/api/v1/lstm', router: forecasting.router }],
      start: () => forecasting.start(),
      stop: () => forecasting.stop(),
    };
  },
};
