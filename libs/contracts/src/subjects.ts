import type { z } from 'zod';
import { isValidId, type DeviceRef } from './ids.js';
import type { FrameKind, ModelKind } from './topics.js';
import type { Severity } from './messages.js';
import {
  alertEvent,
  alertFeedbackEvent,
  reportScoredEvent,
  reportSubmittedEvent,
  baselineEvent,
  deviceStatusEvent,
  edgeAlertEvent,
  forecastEvent,
  modelHealthEvent,
  modelPromotedEvent,
  telemetryModelEvent,
  scoreEvent,
  telemetryEvent,
  telemetryScoreEvent,
  trainingEvent,
  vibrationScoreEvent,
} from './messages.js';
import { vibrationWindowEvent } from './vibration-window.js';

/**
 * Every NATS subject of the core bus, with the stream that stores it and its payload schema.
 * Frames travel as their binary wire form (schema `null`); everything else is JSON.
 */
export const busSubjects = {
  frames: {
    stream: 'PM_FRAMES',
    wildcard: 'pm.frames.>',
    subject: (kind: FrameKind, ref: DeviceRef) => `pm.frames.${kind}.${ref.site}.${ref.device}`,
    /** Every device's frames of one kind. */
    ofKind: (kind: FrameKind) => `pm.frames.${kind}.>`,
    schema: null,
  },
  telemetry: {
    stream: 'PM_TELEMETRY',
    wildcard: 'pm.telemetry.>',
    subject: (ref: DeviceRef) => `pm.telemetry.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.telemetry.${site}.*`,
    schema: telemetryEvent,
  },
  /**
   * Vibration windows devices sent on their telemetry topic (JSON, a few kB each). Stored in
   * PM_FRAMES under `pm.frames.>` (no stream change: frame consumers filter by kind), with a
   * JSON schema of their own unlike the binary frames.
   */
  vibration: {
    stream: 'PM_FRAMES',
    wildcard: 'pm.frames.vibration.>',
    subject: (ref: DeviceRef) => `pm.frames.vibration.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.frames.vibration.${site}.*`,
    schema: vibrationWindowEvent,
  },
  status: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.status.>',
    subject: (ref: DeviceRef) => `pm.status.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.status.${site}.*`,
    schema: deviceStatusEvent,
  },
  edgeAlerts: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.edge-alerts.>',
    subject: (ref: DeviceRef) => `pm.edge-alerts.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.edge-alerts.${site}.*`,
    schema: edgeAlertEvent,
  },
  scores: {
    stream: 'PM_SCORES',
    wildcard: 'pm.scores.>',
    subject: (kind: FrameKind, ref: DeviceRef) => `pm.scores.${kind}.${ref.site}.${ref.device}`,
    /** Scores of every kind from one site's devices. */
    ofSite: (site: string) => `pm.scores.*.${site}.*`,
    schema: scoreEvent,
  },
  /**
   * Telemetry window scores. Stored in PM_SCORES under `pm.scores.>` with the frame scores, but
   * with a schema of their own: a consumer of every score tells them apart by subject
   * (`parseTelemetryScoreSubject`).
   */
  telemetryScores: {
    stream: 'PM_SCORES',
    wildcard: 'pm.scores.telemetry.>',
    subject: (ref: DeviceRef) => `pm.scores.telemetry.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.scores.telemetry.${site}.*`,
    schema: telemetryScoreEvent,
  },
  /** Vibration window scores: in PM_SCORES under `pm.scores.>` too, told apart by subject (`parseVibrationScoreSubject`). */
  vibrationScores: {
    stream: 'PM_SCORES',
    wildcard: 'pm.scores.vibration.>',
    subject: (ref: DeviceRef) => `pm.scores.vibration.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.scores.vibration.${site}.*`,
    schema: vibrationScoreEvent,
  },
  forecasts: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.forecasts.>',
    subject: (ref: DeviceRef) => `pm.forecasts.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.forecasts.${site}.*`,
    schema: forecastEvent,
  },
  alerts: {
    stream: 'PM_ALERTS',
    wildcard: 'pm.alerts.>',
    subject: (severity: Severity, ref: DeviceRef) => `pm.alerts.${severity.toLowerCase()}.${ref.site}.${ref.device}`,
    schema: alertEvent,
  },
  /** An engineer's verdict on an alert (fusion → retraining). */
  feedback: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.feedback.>',
    subject: (ref: DeviceRef) => `pm.feedback.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.feedback.${site}.*`,
    schema: alertFeedbackEvent,
  },
  /** A maintenance report written on an alert (fusion → retraining, which scores it). */
  reportsSubmitted: {
    // A stream of their own: reports are few and kept as long as other events, and a stream that
    // only this feature declares is not rewritten by services that do not know its subjects.
    stream: 'PM_REPORTS',
    wildcard: 'pm.reports.submitted.>',
    subject: (ref: DeviceRef) => `pm.reports.submitted.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.reports.submitted.${site}.*`,
    schema: reportSubmittedEvent,
  },
  /** A maintenance report scored by the triage model (retraining → fusion's maintenance-report rule). */
  reportsScored: {
    stream: 'PM_REPORTS',
    wildcard: 'pm.reports.scored.>',
    subject: (ref: DeviceRef) => `pm.reports.scored.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.reports.scored.${site}.*`,
    schema: reportScoredEvent,
  },
  modelPromoted: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.models.*.promoted',
    subject: (kind: ModelKind) => `pm.models.${kind}.promoted`,
    schema: modelPromotedEvent,
  },
  /** Drift and automatic rollbacks of a production model, per device (retraining → fusion). */
  modelHealth: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.model-health.>',
    subject: (kind: FrameKind, ref: DeviceRef) => `pm.model-health.${kind}.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.model-health.*.${site}.*`,
    schema: modelHealthEvent,
  },
  baselines: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.baselines.>',
    subject: (kind: FrameKind, ref: DeviceRef) => `pm.baselines.${kind}.${ref.site}.${ref.device}`,
    ofKind: (kind: FrameKind) => `pm.baselines.${kind}.>`,
    schema: baselineEvent,
  },
  /** A device's own telemetry model fitted or reset (telemetry-scoring → model-sync). */
  telemetryModels: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.telemetry-models.>',
    subject: (ref: DeviceRef) => `pm.telemetry-models.${ref.site}.${ref.device}`,
    ofSite: (site: string) => `pm.telemetry-models.${site}.*`,
    schema: telemetryModelEvent,
  },
  training: {
    stream: 'PM_EVENTS',
    wildcard: 'pm.training.>',
    subject: (kind: ModelKind) => `pm.training.${kind}`,
    schema: trainingEvent,
  },
} as const;

export type BusSubjectName = keyof typeof busSubjects;
type SchemaOf<K extends BusSubjectName> = (typeof busSubjects)[K]['schema'];
/** The payload type carried on a subject: bytes for frames, the parsed JSON type otherwise. */
export type PayloadOf<K extends BusSubjectName> = SchemaOf<K> extends z.ZodType ? z.infer<SchemaOf<K>> : Uint8Array;

/**
 * Streams and the subjects each stores, derived from the map so the two never disagree. A
 * wildcard inside another of the same stream (`pm.scores.telemetry.>` in `pm.scores.>`) is
 * left out: JetStream refuses overlapping subjects in one stream.
 */
export function streamLayout(): ReadonlyMap<string, readonly string[]> {
  const layout = new Map<string, string[]>();
  for (const entry of Object.values(busSubjects)) {
    const list = layout.get(entry.stream) ?? [];
    if (!list.includes(entry.wildcard)) list.push(entry.wildcard);
    layout.set(entry.stream, list);
  }
  for (const [stream, list] of layout) layout.set(stream, list.filter((w) => !list.some((other) => other !== w && covers(other, w))));
  return layout;
}

/** True when the `>`-terminated wildcard `outer` matches every subject of `inner`. */
function covers(outer: string, inner: string): boolean {
  return outer.endsWith('.>') && inner.startsWith(outer.slice(0, -1));
}

/**
 * The deduplication id of a device message: the same device, kind and sequence number is the
 * same message, however often the edge re-sends it (JetStream `Nats-Msg-Id`).
 */
export function deviceMessageId(ref: DeviceRef, kind: string, seq: number): string {
  return `${ref.site}.${ref.device}.${kind}.${seq}`;
}

/**
 * The deduplication id of a device's status event: the device, the state and the time it
 * took that state (the device's `ts`; for its last will, which has none, the time ingest
 * stored for the state). A status delivered again — after a crash, or retained at a new
 * subscription — is the same event.
 */
export function statusMessageId(ref: DeviceRef, state: 'online' | 'offline', ts: number): string {
  return `${ref.site}.${ref.device}.status.${state}.${ts}`;
}

/** Subjects that end in `{site}.{device}`, by their second token, with their token count. */
const DEVICE_SUBJECT_TOKENS: Readonly<Record<string, number>> = {
  frames: 5,
  scores: 5,
  alerts: 5,
  baselines: 5,
  telemetry: 4,
  status: 4,
  'edge-alerts': 4,
  forecasts: 4,
  feedback: 4,
  'model-health': 5,
  'telemetry-models': 4,
  reports: 5,
};

/** `pm.frames.{kind}.{site}.{device}` → the device, or undefined when the subject is not a frame of `kind`. */
export function parseFrameSubject(subject: string, kind: FrameKind): DeviceRef | undefined {
  return subject.startsWith(`pm.frames.${kind}.`) ? deviceOfSubject(subject) : undefined;
}

/** `pm.scores.telemetry.{site}.{device}` → the device, or undefined for any other subject (a frame score). */
export function parseTelemetryScoreSubject(subject: string): DeviceRef | undefined {
  return subject.startsWith('pm.scores.telemetry.') ? deviceOfSubject(subject) : undefined;
}

/** `pm.scores.vibration.{site}.{device}` → the device, or undefined for any other subject. */
export function parseVibrationScoreSubject(subject: string): DeviceRef | undefined {
  return subject.startsWith('pm.scores.vibration.') ? deviceOfSubject(subject) : undefined;
}

/** The device a bus subject is about (`pm.frames.thermal.plant-1.cam-2` → plant-1/cam-2), if any. */
export function deviceOfSubject(subject: string): DeviceRef | undefined {
  const tokens = subject.split('.');
  if (tokens[0] !== 'pm' || DEVICE_SUBJECT_TOKENS[tokens[1] ?? ''] !== tokens.length) return undefined;
  const site = tokens[tokens.length - 2]!;
  const device = tokens[tokens.length - 1]!;
  return isValidId(site) && isValidId(device) ? { site, device } : undefined;
}
