import { isValidId, type DeviceRef } from './ids.js';

/** Root of every MQTT topic; the version lets the wire format change without breaking old edges. */
export const TOPIC_ROOT = 'premonitor/v1';

export const FRAME_KINDS = ['acoustic', 'thermal'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export const MODEL_KINDS = ['acoustic', 'thermal', 'forecast'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * Every kind of model announced to devices on `…/model/{kind}`: the registry's fleet models, plus
 * `telemetry` — a device's own telemetry model, fitted by telemetry-scoring on that device's
 * history and announced by model-sync to that device only (not in the registry, no promotion).
 */
export const ANNOUNCED_MODEL_KINDS = [...MODEL_KINDS, 'telemetry'] as const;
export type AnnouncedModelKind = (typeof ANNOUNCED_MODEL_KINDS)[number];

/**
 * Every kind the model registry holds: the bus kinds plus `triage` (maintenance-report text
 * scores), which only the core serves, so it has no promotion subject and no edge download.
 */
export const REGISTRY_MODEL_KINDS = [...MODEL_KINDS, 'triage'] as const;
export type RegistryModelKind = (typeof REGISTRY_MODEL_KINDS)[number];

/** What a device topic carries, parsed from its last segments. */
export type TopicChannel =
  | { readonly type: 'telemetry' }
  | { readonly type: 'status' }
  | { readonly type: 'edge-alert' }
  | { readonly type: 'alert' }
  | { readonly type: 'frame'; readonly kind: FrameKind }
  | { readonly type: 'model'; readonly kind: AnnouncedModelKind };

export type ParsedTopic = DeviceRef & { readonly channel: TopicChannel };

/** `premonitor/v1/{site}/{device}`, or `premonitor/v1/+/+` (every device) without a ref. */
function deviceLevels(ref?: DeviceRef): string {
  return ref ? `${TOPIC_ROOT}/${ref.site}/${ref.device}` : `${TOPIC_ROOT}/+/+`;
}

/** Builders for every device topic, so no service spells a topic by hand. */
export const mqttTopic = {
  telemetry: (ref: DeviceRef) => `${deviceLevels(ref)}/telemetry`,
  status: (ref: DeviceRef) => `${deviceLevels(ref)}/status`,
  edgeAlert: (ref: DeviceRef) => `${deviceLevels(ref)}/edge-alert`,
  frame: (ref: DeviceRef, kind: FrameKind) => `${deviceLevels(ref)}/frame/${kind}`,
  model: (ref: DeviceRef, kind: AnnouncedModelKind) => `${deviceLevels(ref)}/model/${kind}`,
  /** Core → subscribers: the device's open alerts, retained (published by fusion; SCADA, Node-RED, Home Assistant read it). */
  alert: (ref: DeviceRef) => `${deviceLevels(ref)}/alert`,
  /** Core → device: "the core is alive" (published by model-sync, read by the edge agent). */
  heartbeat: (ref: DeviceRef) => `${deviceLevels(ref)}/command/heartbeat`,
  /** Core → device: an engineer's baseline action (faulty / reset) for the agent's own enrollment, signed and retained (model-sync). */
  baselineCommand: (ref: DeviceRef, kind: FrameKind) => `${deviceLevels(ref)}/command/baseline/${kind}`,
} as const;

/**
 * Subscription and ACL filters over the same tree: one device's topics with a ref, every
 * device's (`+/+`) without.
 */
export const mqttFilter = {
  telemetry: (ref?: DeviceRef) => `${deviceLevels(ref)}/telemetry`,
  status: (ref?: DeviceRef) => `${deviceLevels(ref)}/status`,
  edgeAlert: (ref?: DeviceRef) => `${deviceLevels(ref)}/edge-alert`,
  frames: (ref?: DeviceRef) => `${deviceLevels(ref)}/frame/+`,
  /** The core's retained alert state of one device, or of every device. */
  alerts: (ref?: DeviceRef) => `${deviceLevels(ref)}/alert`,
  models: (ref?: DeviceRef) => `${deviceLevels(ref)}/model/+`,
  /** The baseline commands of one device (every kind), or of every device. */
  baselineCommands: (ref?: DeviceRef) => `${deviceLevels(ref)}/command/baseline/+`,
  /** Every command core → device (`…/command/heartbeat`, `…/command/baseline/{kind}`). */
  commands: (ref?: DeviceRef) => `${deviceLevels(ref)}/command/#`,
} as const;

/** Subscriptions the core gateway (ingest) holds: everything devices publish. */
export const INGEST_SUBSCRIPTIONS = [mqttFilter.telemetry(), mqttFilter.status(), mqttFilter.edgeAlert(), mqttFilter.frames()] as const;

export type TopicParseResult =
  | { readonly ok: true; readonly topic: ParsedTopic }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses a device topic. Site and device are read from the topic, which the broker's ACL
 * has already tied to the authenticated device; payload fields never override them.
 */
export function parseTopic(topic: string): TopicParseResult {
  const parts = topic.split('/');
  if (parts.length < 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) {
    return { ok: false, reason: `topic is not under ${TOPIC_ROOT}/{site}/{device}/…` };
  }
  const [, , site, device, channel, sub, ...rest] = parts as [string, string, string, string, string, string?, ...string[]];
  if (!isValidId(site)) return { ok: false, reason: `invalid site id '${site}'` };
  if (!isValidId(device)) return { ok: false, reason: `invalid device id '${device}'` };
  if (rest.length > 0) return { ok: false, reason: 'topic has too many segments' };
  const ref = { site, device };
  switch (channel) {
    case 'telemetry':
    case 'status':
    case 'edge-alert':
    case 'alert':
      if (sub !== undefined) return { ok: false, reason: `unexpected segment after '${channel}'` };
      return { ok: true, topic: { ...ref, channel: { type: channel } } };
    case 'frame':
      if (sub === 'acoustic' || sub === 'thermal') return { ok: true, topic: { ...ref, channel: { type: 'frame', kind: sub } } };
      return { ok: false, reason: `unknown frame kind '${sub ?? ''}'` };
    case 'model':
      if ((ANNOUNCED_MODEL_KINDS as readonly (string | undefined)[]).includes(sub)) {
        return { ok: true, topic: { ...ref, channel: { type: 'model', kind: sub as AnnouncedModelKind } } };
      }
      return { ok: false, reason: `unknown model kind '${sub ?? ''}'` };
    default:
      return { ok: false, reason: `unknown channel '${channel}'` };
  }
}
