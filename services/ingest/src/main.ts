// Distributed mode: ingest as its own process against MQTT_URL, NATS_URL and DATABASE_URL.
import { loadConfig } from '@premonitor/config';
import { runCoreService } from '@premonitor/runtime';
import { ingestConfigShape } from './ingest-config.js';
import { Ingest, settingsFromConfig } from './index.js';

runCoreService({
  name: 'ingest',
  config: () => loadConfig(ingestConfigShape, process.env),
  create: (config, deps) => {
    const ingest = new Ingest(settingsFromConfig(config), deps);
    return { readiness: ingest.readiness, routers: [{ path: '/api/v1', router: ingest.router }], start: () => ingest.start(), stop: () => ingest.stop() };
  },
});
