import { busSubjects, parseTelemetryScoreSubject, parseVibrationScoreSubject } from '@premonitor/contracts';
import { decodeEvent, type BusMessage, type ConsumerSpec } from '@premonitor/bus';
import type { Signal } from './signals.js';

/** How fusion's durable consumers are named and what they read. */
export interface ConsumerSettings {
  /** Prefix of the durable names (`<prefix>_scores`, …); replicas share it to share the work. */
  readonly durablePrefix: string;
  /** Only this site's events (`*` for every site); lets tests and per-site deployments narrow. */
  readonly site: string;
  /** Where a new durable starts: every stored event, or only new ones. */
  readonly deliverPolicy: 'all' | 'new';
  /** Redelivery delay of an unacknowledged event, ms. */
  readonly ackWaitMs: number;
}

type SignalType = Signal['type'];

/** One consumer: its spec and how to turn its messages into signals. */
export interface EventConsumer {
  readonly type: SignalType;
  readonly spec: ConsumerSpec;
  /** The signal, or why the message can never be processed. */
  decode(message: BusMessage): { ok: true; signal: Signal } | { ok: false; reason: string };
}

/** The seven inputs of fusion: scores, telemetry (gas), forecasts, status, edge alerts, model health (drift, rollbacks) and scored maintenance reports. */
export function eventConsumers(settings: ConsumerSettings): readonly EventConsumer[] {
  const site = settings.site;
  const spec = (name: string, stream: string, filterSubject: string): ConsumerSpec => ({
    stream,
    durable: `${settings.durablePrefix}_${name}`,
    filterSubject,
    deliverPolicy: settings.deliverPolicy,
    ackWaitMs: settings.ackWaitMs,
  });
  return [
    {
      type: 'score',
      spec: spec('scores', busSubjects.scores.stream, busSubjects.scores.ofSite(site)),
      // Telemetry and vibration window scores share the scores stream and filter but have their own schemas.
      decode: (m) =>
        parseTelemetryScoreSubject(m.subject)
          ? wrap(decodeEvent('telemetryScores', m), (event) => ({ type: 'score', event }))
          : parseVibrationScoreSubject(m.subject)
            ? wrap(decodeEvent('vibrationScores', m), (event) => ({ type: 'score', event }))
            : wrap(decodeEvent('scores', m), (event) => ({ type: 'score', event })),
    },
    {
      type: 'telemetry',
      spec: spec('telemetry', busSubjects.telemetry.stream, busSubjects.telemetry.ofSite(site)),
      decode: (m) => wrap(decodeEvent('telemetry', m), (event) => ({ type: 'telemetry', event })),
    },
    {
      type: 'forecast',
      spec: spec('forecasts', busSubjects.forecasts.stream, busSubjects.forecasts.ofSite(site)),
      decode: (m) => wrap(decodeEvent('forecasts', m), (event) => ({ type: 'forecast', event })),
    },
    {
      type: 'status',
      spec: spec('status', busSubjects.status.stream, busSubjects.status.ofSite(site)),
      decode: (m) => wrap(decodeEvent('status', m), (event) => ({ type: 'status', event })),
    },
    {
      type: 'edge',
      spec: spec('edge_alerts', busSubjects.edgeAlerts.stream, busSubjects.edgeAlerts.ofSite(site)),
      decode: (m) => wrap(decodeEvent('edgeAlerts', m), (event) => ({ type: 'edge', event })),
    },
    {
      type: 'model',
      spec: spec('model_health', busSubjects.modelHealth.stream, busSubjects.modelHealth.ofSite(site)),
      decode: (m) => wrap(decodeEvent('modelHealth', m), (event) => ({ type: 'model', event })),
    },
    {
      type: 'report',
      spec: spec('reports', busSubjects.reportsScored.stream, busSubjects.reportsScored.ofSite(site)),
      decode: (m) => wrap(decodeEvent('reportsScored', m), (event) => ({ type: 'report', event })),
    },
  ];
}

function wrap<T>(decoded: { ok: true; value: T } | { ok: false; reason: string }, toSignal: (value: T) => Signal): { ok: true; signal: Signal } | { ok: false; reason: string } {
  return decoded.ok ? { ok: true, signal: toSignal(decoded.value) } : { ok: false, reason: decoded.reason };
}
