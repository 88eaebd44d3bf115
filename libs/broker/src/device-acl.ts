import { FRAME_KINDS, TOPIC_ROOT, mqttTopic, type DeviceRef } from '@premonitor/contracts';
import type { Principal } from './principal.js';
import { filterCovers, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter.js';

/** Outcome of an ACL check; refusals carry a reason for logs (never a credential). */
export type AclDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: AclDecision = Object.freeze({ allowed: true });

/** Everything the core role may touch. */
export const CORE_FILTER = `${TOPIC_ROOT}/#`;

/** Commands core → device; reserved so edge agents can subscribe without an ACL change later. */
export function deviceCommandFilter(ref: DeviceRef): string {
  return `${TOPIC_ROOT}/${ref.site}/${ref.device}/command/#`;
}

/** The exact topics a device may publish to: its telemetry, status (also its LWT), edge alerts and frames. */
export function devicePublishTopics(ref: DeviceRef): readonly string[] {
  return [
    mqttTopic.telemetry(ref),
    mqttTopic.status(ref),
    mqttTopic.edgeAlert(ref),
    ...FRAME_KINDS.map((kind) => mqttTopic.frame(ref, kind)),
  ];
}

/**
 * The filters a device may subscribe to, or any narrower filter they cover (for example
 * its exact `model/{kind}` topics).
 */
export function deviceSubscribeFilters(ref: DeviceRef): readonly string[] {
  return [`${TOPIC_ROOT}/${ref.site}/${ref.device}/model/+`, deviceCommandFilter(ref)];
}

/** May `principal` publish a message (or register a will) on `topic`? */
export function mayPublish(principal: Principal, topic: string): AclDecision {
  if (!isValidTopicName(topic)) return { allowed: false, reason: 'not a valid topic name' };
  if (principal.kind === 'service') {
    return topicMatchesFilter(topic, CORE_FILTER) ? ALLOWED : { allowed: false, reason: `outside ${CORE_FILTER}` };
  }
  return devicePublishTopics(principal.ref).includes(topic)
    ? ALLOWED
    : { allowed: false, reason: "not one of the device's own publish topics" };
}

/** May `principal` subscribe with `filter`? Wildcards are compared as filters, not as text. */
export function maySubscribe(principal: Principal, filter: string): AclDecision {
  if (!isValidTopicFilter(filter)) return { allowed: false, reason: 'not a valid topic filter' };
  const allowed = principal.kind === 'service' ? [CORE_FILTER] : deviceSubscribeFilters(principal.ref);
  return allowed.some((a) => filterCovers(a, filter))
    ? ALLOWED
    : { allowed: false, reason: principal.kind === 'service' ? `outside ${CORE_FILTER}` : "not the device's own model or command topics" };
}
