import {
  checkJsonValue,
  checkTelemetryMessage,
  decodeFrame,
  edgeAlertMessage,
  isVibrationWindowPayload,
  parseJsonValue,
  parseTopic,
  statusMessage,
  telemetryMessage,
  vibrationWindowMessage,
  type DeviceRef,
  type EdgeAlertMessage,
  type Frame,
  type StatusMessage,
  type TelemetryMessage,
  type VibrationWindowMessage,
} from '@premonitor/contracts';

/** Limits a message must respect to be accepted. */
export interface AcceptLimits {
  /** Largest JSON payload, bytes. */
  readonly maxJsonBytes: number;
  /** How far a device timestamp may run ahead of the core's clock, ms. */
  readonly maxFutureSkewMs: number;
  /** How old a device timestamp may be (store-and-forward replays old data), ms. */
  readonly maxPastAgeMs: number;
}

/** Why a message was refused; bounded set, used as a metric label. */
export type RejectCategory = 'topic' | 'json' | 'schema' | 'frame' | 'timestamp' | 'size';

export type Classified =
  | { readonly type: 'telemetry'; readonly ref: DeviceRef; readonly message: TelemetryMessage }
  | { readonly type: 'status'; readonly ref: DeviceRef; readonly message: StatusMessage }
  | { readonly type: 'edge-alert'; readonly ref: DeviceRef; readonly message: EdgeAlertMessage }
  | { readonly type: 'vibration'; readonly ref: DeviceRef; readonly message: VibrationWindowMessage }
  | { readonly type: 'frame'; readonly ref: DeviceRef; readonly frame: Frame; readonly bytes: Uint8Array }
  | { readonly type: 'rejected'; readonly category: RejectCategory; readonly reason: string; readonly ref?: DeviceRef };

/**
 * Validates one MQTT message. Site and device come from the topic (which the broker's ACL tied
 * to the authenticated device), never from the payload. Pure: the clock is an argument.
 */
export function classifyMessage(topic: string, payload: Uint8Array, now: number, limits: AcceptLimits): Classified {
  const parsed = parseTopicCached(topic);
  if (!parsed.ok) return { type: 'rejected', category: 'topic', reason: parsed.reason };
  const { site, device, channel } = parsed.topic;
  const ref: DeviceRef = { site, device };

  switch (channel.type) {
    case 'frame': {
      const decoded = decodeFrame(payload, channel.kind);
      if (!decoded.ok) return { type: 'rejected', category: 'frame', reason: decoded.reason, ref };
      const skew = checkTimestamp(decoded.value.ts, now, limits);
      if (skew) return { type: 'rejected', category: 'timestamp', reason: skew, ref };
      return { type: 'frame', ref, frame: decoded.value, bytes: payload };
    }
    case 'telemetry':
    case 'status':
    case 'edge-alert': {
      const json = parseJsonValue(payload, limits.maxJsonBytes);
      // The telemetry topic carries scalar readings or a vibration window (it has `samples`).
      const vibration = channel.type === 'telemetry' && json.ok && isVibrationWindowPayload(json.value);
      const schema = vibration ? vibrationWindowMessage : channel.type === 'telemetry' ? telemetryMessage : channel.type === 'status' ? statusMessage : edgeAlertMessage;
      // Scalar telemetry is nearly all of the traffic: its check has a fast path (same verdicts).
      const result = !json.ok ? json : schema === telemetryMessage ? checkTelemetryMessage(json.value) : checkJsonValue(schema, json.value);
      if (!result.ok) {
        const category: RejectCategory = result.reason.startsWith('malformed') ? 'json' : result.reason.startsWith('payload is') ? 'size' : 'schema';
        return { type: 'rejected', category, reason: vibration ? `vibration window: ${result.reason}` : result.reason, ref };
      }
      const ts = (result.value as { ts?: number }).ts;
      if (ts !== undefined) {
        const skew = checkTimestamp(ts, now, limits);
        if (skew) return { type: 'rejected', category: 'timestamp', reason: skew, ref };
      }
      if (vibration) return { type: 'vibration', ref, message: result.value as VibrationWindowMessage };
      if (channel.type === 'telemetry') return { type: 'telemetry', ref, message: result.value as TelemetryMessage };
      if (channel.type === 'status') return { type: 'status', ref, message: result.value as StatusMessage };
      return { type: 'edge-alert', ref, message: result.value as EdgeAlertMessage };
    }
    case 'model':
      return { type: 'rejected', category: 'topic', reason: 'model topics are published by the core, not by devices', ref };
    case 'alert':
      return { type: 'rejected', category: 'topic', reason: 'alert state topics are published by the core, not by devices', ref };
  }
}

/** Distinct topics remembered; a fleet has a handful per device, so this holds thousands of devices. */
const TOPIC_CACHE_SIZE = 20_000;
const topicCache = new Map<string, ReturnType<typeof parseTopic>>();

/**
 * `parseTopic`, remembered per topic string: every message of a device repeats its topic, and
 * splitting and checking it each time showed in ingest's profile. The results are immutable
 * values; the cache starts over when full (a flood of bogus topics cannot grow it).
 */
function parseTopicCached(topic: string): ReturnType<typeof parseTopic> {
  let parsed = topicCache.get(topic);
  if (parsed === undefined) {
    parsed = parseTopic(topic);
    if (topicCache.size >= TOPIC_CACHE_SIZE) topicCache.clear();
    topicCache.set(topic, parsed);
  }
  return parsed;
}

function checkTimestamp(ts: number, now: number, limits: AcceptLimits): string | undefined {
  if (ts > now + limits.maxFutureSkewMs) {
    return `device timestamp ${describeTime(ts)} is ${Math.round((ts - now) / 1000)} s in the future (limit ${limits.maxFutureSkewMs / 1000} s, MAX_FUTURE_SKEW_MS)`;
  }
  if (ts < now - limits.maxPastAgeMs) {
    return `device timestamp ${describeTime(ts)} is older than ${Math.round(limits.maxPastAgeMs / 3_600_000)} h (MAX_PAST_AGE_MS)`;
  }
  return undefined;
}

/**
 * The timestamp as ISO-8601 when a `Date` can hold it, else the raw number: a device may send
 * 1e20, which `toISOString()` answers with a RangeError, and a reason must never throw.
 */
function describeTime(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? `${ts} ms` : date.toISOString();
}
