// Distributed mode: fusion as its own process against NATS_URL and DATABASE_URL.
import { loadConfig } from '@premonitor/config';
import { runCoreService } from '@premonitor/runtime';
import { fusionConfigShape } from './fusion-config.js';
import { Fusion, settingsFromConfig } from './index.js';

runCoreService({
  name: 'fusion',
  config: () => loadConfig(fusionConfigShape, process.env),
  create: (config, deps) => {
    const fusion = new Fusion(settingsFromConfig(config), deps);
    // SIGHUP re-reads the rules file; an invalid file is refused and the old rules stay.
    process.on('SIGHUP', () => void fusion.reloadRules());
    return { readiness: fusion.readiness, routers: [{ path: '/api/v1', router: fusion.router }], start: () => fusion.start(), stop: () => fusion.stop() };
  },
});
