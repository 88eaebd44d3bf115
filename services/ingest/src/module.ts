import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import type { ServiceModule } from '@premonitor/runtime';
import { ingestConfigShape, type IngestConfig } from './ingest-config.js';
import { devicesQuery, readingsQuery } from './api/read-api.js';
import { scoresQuery } from './api/scores-api.js';
import { Ingest } from './ingest.js';
import { settingsFromConfig } from './settings-from-config.js';
import { INGEST_SCHEMA } from './schema.js';

/** Ingest: MQTT → validation → database + bus, and the read API over devices and readings. */
export const ingestModule: ServiceModule<IngestConfig> = {
  name: 'ingest',
  config: (env) => loadConfig(ingestConfigShape, env),
  schema: [CORE_SCHEMA, INGEST_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/devices', permission: 'read:devices', siteFilter: true, docs: { summary: 'Devices, online or not, of a site or all', query: devicesQuery } },
    { method: 'GET', path: '/api/v1/devices/:site/:device', permission: 'read:devices', docs: { summary: 'One device: status, last seen, last sequence number' } },
    { method: 'GET', path: '/api/v1/devices/:site/:device/readings', permission: 'read:readings', docs: { summary: 'Readings of a device, newest first, paged (next → cursor)', query: readingsQuery } },
    // Inference writes the scores; ingest serves them because the Ingress sends /api/v1/devices here.
    { method: 'GET', path: '/api/v1/devices/:site/:device/scores', permission: 'read:scores', docs: { summary: 'A device’s anomaly scores (one kind or all) in a time window, newest first', query: scoresQuery } },
  ],
  create: (config, context) => {
    const ingest = new Ingest(settingsFromConfig(config), context);
    return { readiness: ingest.readiness, routers: [{ path: '/api/v1', router: ingest.router }], start: () => ingest.start(), stop: () => ingest.stop() };
  },
};
