// Property-based: whatever arrives on whatever topic, classifyMessage returns a classification
// and never throws; nothing it accepts carries text PostgreSQL would refuse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame, unsafeTextReason } from '@premonitor/contracts';
import { classifyMessage, type AcceptLimits } from './classify-message.js';

const NOW = Date.UTC(2026, 10, 22, 12);
const LIMITS: AcceptLimits = { maxJsonBytes: 4096, maxFutureSkewMs: 60_000, maxPastAgeMs: 3_600_000 };
const CHANNELS = ['telemetry', 'status', 'edge-alert', 'frame/acoustic', 'frame/thermal', 'model/acoustic', 'nope'];

/** Any UTF-16 code unit, lone surrogates and NUL included — what a hostile JSON string can decode to. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const topic = fc.oneof(
  fc.constantFrom(...CHANNELS).map((c) => `premonitor/v1/plant-1/dev-1/${c}`),
  fc.tuple(anyText, anyText, fc.constantFrom(...CHANNELS)).map(([site, device, c]) => `premonitor/v1/${site}/${device}/${c}`),
  anyText,
);
const json = fc.jsonValue({ maxDepth: 4 });
const statusLike = fc.record(
  {
    state: fc.constantFrom('online', 'offline', anyText),
    ts: fc.oneof(fc.constant(NOW), fc.double()),
    agentVersion: anyText,
    models: fc.dictionary(anyText, anyText, { maxKeys: 3 }),
    sources: fc.dictionary(anyText, fc.record({ state: fc.constantFrom('ok', 'failing'), lastError: anyText }), { maxKeys: 2 }),
    modelErrors: fc.dictionary(anyText, anyText, { maxKeys: 2 }),
  },
  { requiredKeys: ['state'] },
);
const edgeAlertLike = fc.record({ ts: fc.constant(NOW), seq: fc.nat(), rule: anyText, severity: fc.constantFrom('INFO', 'WARNING'), message: anyText }, { requiredKeys: ['ts', 'seq', 'rule', 'severity'] });

/** Telemetry whose timestamp may be anything a JSON number can be, 1e20 and -1e300 included. */
const telemetryLike = fc.record({
  ts: fc.oneof(fc.constant(NOW), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger(), fc.constantFrom(1e20, -1e20, 8.64e15 + 1, 1e300)),
  seq: fc.nat(),
  readings: fc.dictionary(fc.constantFrom('t', 'rpm', 'gas'), fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 3 }),
});

const payload = fc.oneof(
  telemetryLike.map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 512 }),
  json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.oneof(statusLike, edgeAlertLike).map((v) => Buffer.from(JSON.stringify(v))),
  fc.constant(encodeFrame({ kind: 'thermal', ts: NOW, seq: 1, width: 4, height: 4, celsius: new Float32Array(16).fill(20) })),
);

/** Every string inside an accepted message, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

describe('classifyMessage properties', () => {
  it('classifies any topic and payload without throwing; accepted text has no NUL, control character or lone surrogate', () => {
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        const result = classifyMessage(t, p, NOW, LIMITS);
        assert.ok(['telemetry', 'status', 'edge-alert', 'frame', 'rejected'].includes(result.type));
        if (result.type === 'rejected') {
          assert.equal(typeof result.reason, 'string');
          assert.ok(result.reason.length > 0);
          return;
        }
        if (result.type === 'frame') return;
        for (const s of strings(result.message)) assert.equal(unsafeTextReason(s), undefined, JSON.stringify(s));
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts a status or edge alert exactly when its text is safe', () => {
    fc.assert(
      fc.property(fc.oneof(statusLike.map((v) => ['status', v] as const), edgeAlertLike.map((v) => ['edge-alert', v] as const)), ([channel, message]) => {
        const result = classifyMessage(`premonitor/v1/plant-1/dev-1/${channel}`, Buffer.from(JSON.stringify(message)), NOW, LIMITS);
        const unsafe = strings(message).some((s) => unsafeTextReason(s) !== undefined);
        if (unsafe) assert.equal(result.type, 'rejected');
        if (result.type === 'rejected' && unsafe) assert.match(result.reason, /plain text|UTF-8|JSON/);
      }),
      { numRuns: 1_000 },
    );
  });
});
