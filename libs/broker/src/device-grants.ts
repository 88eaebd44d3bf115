import { FRAME_KINDS, mqttFilter, mqttTopic, type DeviceRef } from '@premonitor/contracts';

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
 * The filters a device may subscribe to and read, or any narrower filter they cover (for
 * example its exact `model/{kind}` topics), and its own alert state (never another device's).
 */
export function deviceSubscribeFilters(ref: DeviceRef): readonly string[] {
  return [mqttFilter.models(ref), mqttFilter.commands(ref), mqttFilter.alerts(ref)];
}

/**
 * The one topic a device may leave a retained message on: its status, so the core (and an
 * operator) sees the last state of a device that is gone. Anything else a device retains
 * would sit in the broker for ever, replayed to every new core subscriber.
 */
export function deviceRetainTopics(ref: DeviceRef): readonly string[] {
  return [mqttTopic.status(ref)];
}
