import { INGEST_SUBSCRIPTIONS, mqttFilter } from '@premonitor/contracts';
import type { ServiceRole } from './principal.js';

/** What one service role may do, as MQTT topic filters. */
export interface ServiceGrants {
  /** Filters a PUBLISH topic must match. */
  readonly publish: readonly string[];
  /** Filters a SUBSCRIBE must be covered by, and a delivered topic must match. */
  readonly read: readonly string[];
  /** Filters a retained PUBLISH must match to be stored as retained. */
  readonly retain: readonly string[];
}

const MODEL_TOPICS = mqttFilter.models();
const COMMAND_TOPICS = mqttFilter.commands();
const ALERT_TOPICS = mqttFilter.alerts();

/**
 * Least privilege per role. No role may publish on a device's own topics (telemetry,
 * status, edge-alert, frames), so a leaked core credential cannot forge device data; and
 * only model-sync may reach devices, and only through model announcements and commands;
 * fusion only writes (retained) each device's alert state and reads nothing.
 * `mosquitto/acl-core` holds the same rules as `user` blocks, generated from this table
 * (`cli.js mosquitto-acl`), and `test/broker.test.ts` checks the shipped file against it.
 */
export const SERVICE_GRANTS: Readonly<Record<ServiceRole, ServiceGrants>> = Object.freeze({
  /** Reads everything devices publish; writes nothing. */
  ingest: Object.freeze({ publish: [], read: [...INGEST_SUBSCRIPTIONS], retain: [] }),
  /** Announces models (retained) and sends commands; reads device status to greet devices that come online. */
  'model-sync': Object.freeze({ publish: [MODEL_TOPICS, COMMAND_TOPICS], read: [mqttFilter.status()], retain: [MODEL_TOPICS] }),
  /** Publishes each device's current alert state, retained; reads nothing. */
  fusion: Object.freeze({ publish: [ALERT_TOPICS], read: [], retain: [ALERT_TOPICS] }),
});
