import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import type { ServiceModule } from '@premonitor/runtime';
import { ingestConfigShape, type IngestConfig } from './ingest-config.js';
import { Ingest } from './ingest.js';
import { settingsFromConfig } from './settings-from-config.js';
import { INGEST_SCHEMA } from './schema.js';

/** Ingest: MQTT → validation → database + bus, and the read API over devices and readings. */
export const ingestModule: ServiceModule<IngestConfig> = {
  name: 'ingest',
  config: (env) => loadConfig(ingestConfigShape, env),
  schema: [CORE_SCHEMA, INGEST_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/devices', permission: 'read:devices', siteFilter: true },
    { method: 'GET', path: '/api/v1/devices/:site/:device', permission: 'read:devices' },
    { method: 'GET', path: '/api/v1/devices/:site/:device/readings', permission: 'read:readings' },
  ],
  create: (config, context) => {
    const ingest = new Ingest(settingsFromConfig(config), context);
    return { readiness: ingest.readiness, routers: [{ path: '/api/v1', router: ingest.router }], start: () => ingest.start(), stop: () => ingest.stop() };
  },
};
