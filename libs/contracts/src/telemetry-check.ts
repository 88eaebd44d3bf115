import type { DecodeResult } from './frame-codec.js';
import { MAX_READINGS_PER_MESSAGE, READING_KEY_PATTERN, telemetryMessage, type TelemetryMessage } from './messages.js';
import { checkJsonValue } from './parse.js';

/** Distinct reading keys remembered as valid; a fleet uses a few hundred, so this bounds a flood of new ones. */
const KNOWN_KEYS_LIMIT = 10_000;
const knownKeys = new Set<string>();

/**
 * `checkJsonValue(telemetryMessage, json)`, with a fast path for the common case. zod copies
 * the object and runs its checks per field and per reading — with the garbage it leaves, a
 * fifth of ingest's CPU at fleet rates. A message that is plainly valid (exactly `ts`, `seq`
 * and `readings`; safe non-negative integers; 1–256 finite readings under known-good keys) is
 * accepted as parsed, with no copy; anything else goes through the schema, which decides and
 * explains. The fast path accepts only what the schema accepts, with the same value
 * (telemetry-check.spec.ts holds it to that), so what is accepted or refused does not change.
 */
export function checkTelemetryMessage(json: unknown): DecodeResult<TelemetryMessage> {
  return isPlainTelemetry(json) ? { ok: true, value: json } : checkJsonValue(telemetryMessage, json);
}

function isPlainTelemetry(json: unknown): json is TelemetryMessage {
  if (!isPlainObject(json)) return false;
  let fields = 0;
  for (const name in json) {
    if (name !== 'ts' && name !== 'seq' && name !== 'readings') return false;
    fields++;
  }
  if (fields !== 3) return false;
  const { ts, seq, readings } = json as { ts: unknown; seq: unknown; readings: unknown };
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return false;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || seq > 0xffff_ffff) return false;
  if (!isPlainObject(readings)) return false;
  let count = 0;
  for (const key in readings) {
    const value = readings[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !isKnownKey(key)) return false;
    if (++count > MAX_READINGS_PER_MESSAGE) return false;
  }
  return count >= 1;
}

/** An object as `JSON.parse` makes it: own enumerable properties only, Object's prototype. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * A key matching {@link READING_KEY_PATTERN}, remembered: devices repeat the same keys in every
 * message. `__proto__` is left to the schema, which builds its output with plain assignments
 * (where that key would set the prototype instead of a reading).
 */
function isKnownKey(key: string): boolean {
  if (knownKeys.has(key)) return true;
  if (key === '__proto__' || !READING_KEY_PATTERN.test(key)) return false;
  if (knownKeys.size >= KNOWN_KEYS_LIMIT) knownKeys.clear();
  knownKeys.add(key);
  return true;
}
