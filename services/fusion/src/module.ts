import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { coreClientId } from '@premonitor/contracts';
import type { ServiceModule } from '@premonitor/runtime';
import { AlertStatePublisher } from './alert-state-publisher.js';
import { fusionConfigShape, type FusionConfig } from './fusion-config.js';
import { alertListQuery, alertStreamQuery, transitionBody } from './api/alerts-api.js';
import { feedbackBody } from './api/feedback-api.js';
import { alertReportBody } from './api/report-api.js';
import { Fusion } from './fusion.js';
import { replicaName, settingsFromConfig } from './settings-from-config.js';
import { FUSION_SCHEMA } from './schema.js';

/** Fusion: alert rules over scores, status and forecasts; the alert lifecycle and its API. */
export const fusionModule: ServiceModule<FusionConfig> = {
  name: 'fusion',
  config: (env) => loadConfig(fusionConfigShape, env),
  schema: [CORE_SCHEMA, FUSION_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/alerts', permission: 'read:alerts', siteFilter: true, docs: { summary: 'Alerts, newest first, filtered and paged (next → cursor)', query: alertListQuery } },
    { method: 'GET', path: '/api/v1/alerts/stream', permission: 'read:alerts', siteFilter: true, docs: { summary: 'Alert transitions as they happen (text/event-stream, `event: alert`; resumes after Last-Event-ID)', query: alertStreamQuery } },
    { method: 'GET', path: '/api/v1/alerts/:id', permission: 'read:alerts', site: { table: 'alerts' }, docs: { summary: 'One alert with its transitions and deliveries' } },
    { method: 'POST', path: '/api/v1/alerts/:id/ack', permission: 'write:alerts', site: { table: 'alerts' }, docs: { summary: 'Acknowledge an open alert, as the credential’s user', body: transitionBody, example: { note: 'looking at it' } } },
    { method: 'POST', path: '/api/v1/alerts/:id/resolve', permission: 'write:alerts', site: { table: 'alerts' }, docs: { summary: 'Resolve an alert, as the credential’s user', body: transitionBody, example: { note: 'bearing replaced' } } },
    { method: 'POST', path: '/api/v1/alerts/:id/feedback', permission: 'write:feedback', site: { table: 'alerts' }, docs: { summary: 'Say whether an alert was a true fault or a false alarm (replaces an earlier verdict); published on pm.feedback.* for retraining', body: feedbackBody, example: { verdict: 'true_fault', note: 'outer race spalling found' } } },
    { method: 'POST', path: '/api/v1/alerts/:id/report', permission: 'write:reports', site: { table: 'alerts' }, docs: { summary: 'A maintenance report on an alert, sent on pm.reports.submitted.* to be stored and scored by the triage model (GET /api/v1/reports?alert=); an availability or process-safety score of 4–5 raises the alert one severity level (rule maintenance-report)', body: alertReportBody, example: { description: 'L/H BUCKET CYL LEAKING', equipment_name: 'excavator', equipment_id: 'EX-3' } } },
  ],
  create: (config, context) => {
    const replica = replicaName(config);
    const fusion = new Fusion(settingsFromConfig(config, replica), context);
    // A reload re-reads the rules file; an invalid file is refused and the old rules stay.
    context.onReload(() => void fusion.reloadRules());
    const mqttAlerts = config.MQTT_URL
      ? new AlertStatePublisher(
          {
            mqtt: { url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD, clientId: coreClientId(config.MQTT_USERNAME ?? 'fusion', replica), protocolVersion: config.MQTT_PROTOCOL_VERSION },
            durable: `${config.FUSION_DURABLE_PREFIX}-mqtt-alerts`,
            maxPending: config.FUSION_MQTT_MAX_PENDING,
            reconnect: { baseMs: 1_000, maxMs: 30_000 },
          },
          { db: context.db.db, bus: context.bus, logger: context.logger.child({ component: 'mqtt-alerts' }) },
        )
      : undefined;
    return {
      readiness: fusion.readiness,
      routers: [{ path: '/api/v1', router: fusion.router }],
      start: async () => {
        await fusion.start();
        await mqttAlerts?.start();
      },
      stop: async () => {
        await mqttAlerts?.stop(config.DRAIN_TIMEOUT_MS);
        await fusion.stop();
      },
    };
  },
};
