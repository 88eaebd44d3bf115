import type { Principal, ServiceRole } from './principal.js';
import { deviceRetainTopics, devicePublishTopics, deviceSubscribeFilters } from './device-grants.js';
import { SERVICE_GRANTS } from './service-grants.js';
import { compileFilters, filterCovers, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter.js';

/** Outcome of an ACL check; refusals carry a reason for logs (never a credential). */
export type AclDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: AclDecision = Object.freeze({ allowed: true });

type Matcher = (topic: string) => boolean;
const compiled = (pick: (role: ServiceRole) => readonly string[]): Record<ServiceRole, Matcher> => ({
  ingest: compileFilters(pick('ingest')),
  'model-sync': compileFilters(pick('model-sync')),
  fusion: compileFilters(pick('fusion')),
});
const SERVICE_PUBLISH = compiled((r) => SERVICE_GRANTS[r].publish);
const SERVICE_READ = compiled((r) => SERVICE_GRANTS[r].read);
const SERVICE_RETAIN = compiled((r) => SERVICE_GRANTS[r].retain);

/** May `principal` publish a message (or register a will) on `topic`? */
export function mayPublish(principal: Principal, topic: string): AclDecision {
  if (!isValidTopicName(topic)) return { allowed: false, reason: 'not a valid topic name' };
  if (principal.kind === 'service') {
    return SERVICE_PUBLISH[principal.role](topic) ? ALLOWED : { allowed: false, reason: `role ${principal.role} may not publish there` };
  }
  return devicePublishTopics(principal.ref).includes(topic) ? ALLOWED : { allowed: false, reason: "not one of the device's own publish topics" };
}

/** May `principal` subscribe with `filter`? Wildcards are compared as filters, not as text. */
export function maySubscribe(principal: Principal, filter: string): AclDecision {
  if (!isValidTopicFilter(filter)) return { allowed: false, reason: 'not a valid topic filter' };
  const allowed = principal.kind === 'service' ? SERVICE_GRANTS[principal.role].read : deviceSubscribeFilters(principal.ref);
  if (allowed.some((a) => filterCovers(a, filter))) return ALLOWED;
  return { allowed: false, reason: principal.kind === 'service' ? `role ${principal.role} may not read there` : "not the device's own model, command or alert topics" };
}

/**
 * May a message on `topic` be delivered to `principal`? Checked on every delivery, so a
 * message queued in a persistent session, or a retained one, reaches only a client that
 * may read it now — whatever subscription or session it arrived through.
 */
export function mayReceive(principal: Principal, topic: string): AclDecision {
  const readable = principal.kind === 'service' ? SERVICE_READ[principal.role](topic) : deviceSubscribeFilters(principal.ref).some((f) => topicMatchesFilter(topic, f));
  return readable ? ALLOWED : { allowed: false, reason: 'no read access to the topic' };
}

/**
 * May a PUBLISH from `principal` on `topic` (already allowed by `mayPublish`) be stored as
 * retained? Devices retain only their status, core only model announcements, each up to
 * `maxBytes`. An empty payload deletes a retained message and is always allowed where
 * retaining is.
 */
export function mayRetain(principal: Principal, topic: string, payloadBytes: number, maxBytes: number): AclDecision {
  const where = principal.kind === 'service' ? SERVICE_RETAIN[principal.role](topic) : deviceRetainTopics(principal.ref).includes(topic);
  if (!where) return { allowed: false, reason: principal.kind === 'service' ? `role ${principal.role} may not retain there` : 'a device may retain only its status' };
  if (payloadBytes > maxBytes) return { allowed: false, reason: `retained payload of ${payloadBytes} bytes is above the ${maxBytes}-byte limit` };
  return ALLOWED;
}
