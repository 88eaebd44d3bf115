import type { Signal } from './signals.js';

/**
 * The identity of the event behind a signal, within its device: what the device (or the
 * forecaster) said and when, never when the core received it — so a JetStream redelivery, a
 * durable replayed from the start, and a re-publish by a restarted producer (with a new
 * `receivedAt`, past the bus's duplicate window) all give the same key. The device's time is
 * part of every key, so a device whose sequence numbers start over after a reflash is not
 * taken for a replay of its earlier life. Fusion stores it with each raise it applies
 * (`fusion_applied_events`) to make a second application of the same event a no-op.
 */
export function sourceEventKey(signal: Signal): string {
  switch (signal.type) {
    case 'telemetry':
      return `telemetry:${signal.event.ts}:${signal.event.seq}`;
    case 'score':
      // The frame's identity: a frame scored again (a redelivered frame, another model) is the same observation.
      return `score:${signal.event.kind}:${signal.event.ts}:${signal.event.seq}`;
    case 'edge':
      return `edge:${signal.event.ts}:${signal.event.seq}`;
    case 'forecast':
      return `forecast:${signal.event.sensorKey}:${signal.event.ts}`;
    case 'status':
      return `status:${signal.event.state}:${signal.event.ts}`;
    case 'model':
      // The watch's judgement of a device at one moment: drift turning on/off, or a rollback of one version.
      return signal.event.event === 'drift'
        ? `model:drift:${signal.event.kind}:${signal.event.state}:${signal.event.ts}`
        : `model:rollback:${signal.event.kind}:${signal.event.modelVersion}`;
    case 'report':
      return `report:${signal.event.reportId}`;
  }
}
