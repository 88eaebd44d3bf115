import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { FUSION_SCHEMA } from '@premonitor/fusion/schema';
import type { ServiceModule } from '@premonitor/runtime';
import { notifierConfigShape, type NotifierConfig } from './notifier-config.js';
import { loadRoutingSettings } from './notifier-settings.js';
import { channelListQuery } from './api/channel-api.js';
import { deadLetterListQuery } from './api/dead-letter-api.js';
import { Notifier } from './notifier.js';
import { NOTIFIER_SCHEMA } from './schema.js';

/** The notifier: routes alert transitions to webhooks with signing, retries, breakers and digests. */
export const notifierModule: ServiceModule<NotifierConfig> = {
  name: 'notifier',
  config: (env) => loadConfig(notifierConfigShape, env),
  // Fusion's `alerts`: a delivery references its alert.
  schema: [CORE_SCHEMA, FUSION_SCHEMA, NOTIFIER_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/notifications/dead-letters', permission: 'read:notifications', siteFilter: true, docs: { summary: 'Deliveries given up on, newest first, paged', query: deadLetterListQuery } },
    { method: 'GET', path: '/api/v1/notifications/channels', permission: 'read:notifications', site: 'fleet', docs: { summary: "Configured channels: name, type, the endpoint's host (never its URL or secret), this replica's breaker state, the routes to it", query: channelListQuery } },
    { method: 'POST', path: '/api/v1/notifications/dead-letters/:id/resend', permission: 'admin:notifications', site: { table: 'notification_outbox' }, docs: { summary: 'Send a dead-lettered delivery again (no body)' } },
  ],
  create: async (config, context) => {
    const routing = await loadRoutingSettings(config.NOTIFIER_CONFIG_FILE);
    const notifier = new Notifier({ routing, durable: config.NOTIFIER_DURABLE, deliverPolicy: config.NOTIFIER_DELIVER_POLICY, idlePollMs: config.NOTIFIER_IDLE_POLL_MS, leaseMs: config.NOTIFIER_LEASE_MS }, context);
    context.logger.info({ channels: routing.channels.map((c) => c.name) }, 'routing loaded');
    return {
      readiness: notifier.readiness,
      routers: [{ path: '/api/v1', router: notifier.router }],
      start: () => notifier.start(),
      stop: () => notifier.stop(config.DRAIN_TIMEOUT_MS),
    };
  },
};
