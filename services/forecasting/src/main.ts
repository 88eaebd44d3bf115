// Distributed mode: forecasting as its own process against NATS_URL and DATABASE_URL.
import { loadConfig } from '@premonitor/config';
import { runCoreService } from '@premonitor/runtime';
import { forecastingConfigShape, settingsFromConfig } from './forecasting-config.js';
import { Forecasting } from './forecasting.js';

runCoreService({
  name: 'forecasting',
  config: () => loadConfig(forecastingConfigShape, process.env),
  create: (config, deps) => {
    const forecasting = new Forecasting(settingsFromConfig(config), deps);
    return {
      readiness: forecasting.readiness,
      routers: [{ path: '/api/v1/lstm', router: forecasting.router }],
      start: () => forecasting.start(),
      stop: () => forecasting.stop(),
    };
  },
});
