import { loadConfig } from '@premonitor/config';
import type { ServiceModule, CoreServiceConfig } from '@premonitor/runtime';
import { consoleConfigShape } from './console-config.js';
import { CONSOLE_ROUTES, consoleRouter } from './console-files.js';

/**
 * The operator console as a module: embedded mode serves it at `/` of the platform; distributed
 * mode runs it as its own service behind the Ingress's `/` (which also routes the auth API to it).
 * It owns no tables and no consumers: the page reads the other services' APIs.
 */
export const consoleModule: ServiceModule<CoreServiceConfig> = {
  name: 'console',
  config: (env) => loadConfig(consoleConfigShape, env),
  schema: [],
  routes: CONSOLE_ROUTES,
  create: () => ({ readiness: [], routers: [{ path: '/', router: consoleRouter() }], start: async () => {}, stop: async () => {} }),
};
