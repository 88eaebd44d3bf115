import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import type { ServiceModule } from '@premonitor/runtime';
import { fusionConfigShape, type FusionConfig } from './fusion-config.js';
import { Fusion } from './fusion.js';
import { settingsFromConfig } from './settings-from-config.js';
import { FUSION_SCHEMA } from './schema.js';

/** Fusion: alert rules over scores, status and forecasts; the alert lifecycle and its API. */
export const fusionModule: ServiceModule<FusionConfig> = {
  name: 'fusion',
  config: (env) => loadConfig(fusionConfigShape, env),
  schema: [CORE_SCHEMA, FUSION_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/alerts', permission: 'read:alerts', siteFilter: true },
    { method: 'GET', path: '/api/v1/alerts/:id', permission: 'read:alerts' },
    { method: 'POST', path: '/api/v1/alerts/:id/ack', permission: 'write:alerts' },
    { method: 'POST', path: '/api/v1/alerts/:id/resolve', permission: 'write:alerts' },
  ],
  create: (config, context) => {
    const fusion = new Fusion(settingsFromConfig(config), context);
    // A reload re-reads the rules file; an invalid file is refused and the old rules stay.
    context.onReload(() => void fusion.reloadRules());
    return { readiness: fusion.readiness, routers: [{ path: '/api/v1', router: fusion.router }], start: () => fusion.start(), stop: () => fusion.stop() };
  },
};
