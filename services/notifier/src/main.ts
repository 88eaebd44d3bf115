// Distributed mode: the notifier as its own process against NATS_URL and DATABASE_URL.
import { loadConfig } from '@premonitor/config';
import { runCoreService } from '@premonitor/runtime';
import { notifierConfigShape } from './notifier-config.js';
import { loadRoutingSettings } from './notifier-settings.js';
import { Notifier } from './notifier.js';

runCoreService({
  name: 'notifier',
  config: () => loadConfig(notifierConfigShape, process.env),
  create: async (config, deps) => {
    const routing = await loadRoutingSettings(config.NOTIFIER_CONFIG_FILE);
    const notifier = new Notifier({ routing, durable: config.NOTIFIER_DURABLE, deliverPolicy: config.NOTIFIER_DELIVER_POLICY, idlePollMs: config.NOTIFIER_IDLE_POLL_MS }, deps);
    deps.logger.info({ channels: routing.channels.map((c) => c.name) }, 'routing loaded');
    return {
      readiness: notifier.readiness,
      routers: [{ path: '/api/v1', router: notifier.router }],
      start: () => notifier.start(),
      stop: () => notifier.stop(config.DRAIN_TIMEOUT_MS),
    };
  },
});
