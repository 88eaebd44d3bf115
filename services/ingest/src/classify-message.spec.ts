import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FRAME_HEADER_BYTES } from '@premonitor/contracts';
import { classifyMessage, type AcceptLimits } from './classify-message.js';

const NOW = Date.UTC(2026, 10, 22, 12);
const LIMITS: AcceptLimits = { maxJsonBytes: 4096, maxFutureSkewMs: 60_000, maxPastAgeMs: 3_600_000 };
const TELEMETRY = 'premonitor/v1/plant-1/pump-1/telemetry';
const json = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function rejected(topic: string, payload: Uint8Array) {
  const result = classifyMessage(topic, payload, NOW, LIMITS);
  assert.equal(result.type, 'rejected', `expected rejection, got ${result.type}`);
  return result as Extract<typeof result, { type: 'rejected' }>;
}

describe('classifyMessage', () => {
  it('accepts valid telemetry and takes site and device from the topic', () => {
    const result = classifyMessage(TELEMETRY, json({ ts: NOW, seq: 7, readings: { temperature: 41.5, vibration_rms: 0.2 } }), NOW, LIMITS);
    assert.equal(result.type, 'telemetry');
    assert.deepEqual(result.type === 'telemetry' && result.ref, { site: 'plant-1', device: 'pump-1' });
  });

  it('rejects malformed JSON', () => {
    const r = rejected(TELEMETRY, json('{"ts": 1, "seq": '));
    assert.equal(r.category, 'json');
    assert.deepEqual(r.ref, { site: 'plant-1', device: 'pump-1' });
  });

  it('rejects NaN and Infinity literals, which JSON cannot carry', () => {
    assert.equal(rejected(TELEMETRY, json(`{"ts":${NOW},"seq":1,"readings":{"t":NaN}}`)).category, 'json');
    assert.equal(rejected(TELEMETRY, json(`{"ts":${NOW},"seq":1,"readings":{"t":Infinity}}`)).category, 'json');
  });

  it('rejects wrong types and names the field', () => {
    const r = rejected(TELEMETRY, json({ ts: NOW, seq: 'one', readings: { t: 1 } }));
    assert.equal(r.category, 'schema');
    assert.match(r.reason, /seq/);
    assert.match(rejected(TELEMETRY, json({ ts: NOW, seq: 1, readings: { t: '40' } })).reason, /readings\.t/);
  });

  it('rejects unknown keys', () => {
    const r = rejected(TELEMETRY, json({ ts: NOW, seq: 1, readings: { t: 1 }, site: 'other-site' }));
    assert.equal(r.category, 'schema');
    assert.match(r.reason, /site/);
  });

  it('rejects an oversized payload before parsing it', () => {
    const big = json({ ts: NOW, seq: 1, readings: { t: 1 }, pad: 'x'.repeat(5000) });
    assert.equal(rejected(TELEMETRY, big).category, 'size');
  });

  it('rejects a device timestamp beyond the allowed skew, either way', () => {
    assert.equal(rejected(TELEMETRY, json({ ts: NOW + 120_000, seq: 1, readings: { t: 1 } })).category, 'timestamp');
    assert.equal(rejected(TELEMETRY, json({ ts: NOW - 7_200_000, seq: 1, readings: { t: 1 } })).category, 'timestamp');
  });

  it('rejects a timestamp no Date can hold with a reason instead of throwing', () => {
    for (const ts of [1e20, 1e21, -1e20, Number.MAX_SAFE_INTEGER]) {
      const r = rejected(TELEMETRY, json({ ts, seq: 1, readings: { t: 1 } }));
      assert.ok(r.category === 'timestamp' || r.category === 'schema', `${ts}: ${r.category}`);
    }
    const frame = encodeFrame({ kind: 'thermal', ts: 1e20, seq: 1, width: 32, height: 24, celsius: new Float32Array(32 * 24).fill(25) });
    assert.match(rejected('premonitor/v1/plant-1/pump-1/frame/thermal', frame).reason, /1e\+?20|100000000000000000000/);
  });

  it('rejects topics outside the device namespace', () => {
    assert.equal(rejected('premonitor/v1/Plant/pump/telemetry', json({})).category, 'topic');
    assert.equal(rejected('premonitor/v1/plant/pump/unknown', json({})).category, 'topic');
    assert.equal(rejected('premonitor/v1/plant/pump/model/acoustic', json({})).category, 'topic');
  });

  it('rejects a thermal frame whose payload is shorter than width×height', () => {
    const frame = encodeFrame({ kind: 'thermal', ts: NOW, seq: 3, width: 32, height: 24, celsius: new Float32Array(32 * 24).fill(25) });
    const truncated = new Uint8Array(frame.subarray(0, frame.byteLength - 4));
    // Keep the header's declared payload length consistent with what follows, so the shape check is what fails.
    new DataView(truncated.buffer).setUint32(28, truncated.byteLength - FRAME_HEADER_BYTES, true);
    const r = rejected('premonitor/v1/plant-1/cam-1/frame/thermal', truncated);
    assert.equal(r.category, 'frame');
    assert.match(r.reason, /32×24/);
  });

  it('rejects a frame sent on the other kind\'s topic', () => {
    const frame = encodeFrame({ kind: 'thermal', ts: NOW, seq: 3, width: 32, height: 24, celsius: new Float32Array(32 * 24).fill(25) });
    assert.match(rejected('premonitor/v1/plant-1/cam-1/frame/acoustic', frame).reason, /does not match topic kind/);
  });

  it('accepts an acoustic frame', () => {
    const frame = encodeFrame({ kind: 'acoustic', ts: NOW, seq: 4, sampleRate: 16_000, samples: new Int16Array(16_000) });
    assert.equal(classifyMessage('premonitor/v1/plant-1/mic-1/frame/acoustic', frame, NOW, LIMITS).type, 'frame');
  });

  it('accepts an offline status without a timestamp (the last will has none)', () => {
    assert.equal(classifyMessage('premonitor/v1/plant-1/pump-1/status', json({ state: 'offline' }), NOW, LIMITS).type, 'status');
  });
});
