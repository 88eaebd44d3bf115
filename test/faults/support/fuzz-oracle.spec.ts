import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@premonitor/contracts';
import type { FuzzMessage } from './fuzz-mutations.js';
import { expectedFate, type FuzzLimits } from './fuzz-oracle.js';

const LIMITS: FuzzLimits = { maxJsonBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 };
const NOW = 1_800_000_000_000;
const ref = { site: 's', device: 'd' };

function json(channel: 'telemetry' | 'status' | 'edge-alert', payload: string | Buffer): FuzzMessage {
  return { ref, channel, topic: `premonitor/v1/s/d/${channel}`, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), mutation: 'test' };
}

function thermal(payload: Uint8Array): FuzzMessage {
  return { ref, channel: 'thermal', topic: 'premonitor/v1/s/d/frame/thermal', payload: Buffer.from(payload), mutation: 'test' };
}

describe('fuzz oracle', () => {
  it('expects valid telemetry stored under its seq and timestamp', () => {
    assert.deepEqual(expectedFate(json('telemetry', `{"ts":${NOW},"seq":7,"readings":{"t":1}}`), NOW, LIMITS), { fate: 'stored', key: `7#${NOW}` });
  });

  it('expects NaN, a bare NUL and a huge timestamp dead-lettered', () => {
    assert.equal(expectedFate(json('telemetry', `{"ts":${NOW},"seq":7,"readings":{"t":NaN}}`), NOW, LIMITS).fate, 'dead-letter');
    assert.equal(expectedFate(json('telemetry', Buffer.from([0])), NOW, LIMITS).fate, 'dead-letter');
    assert.equal(expectedFate(json('telemetry', `{"ts":1e20,"seq":7,"readings":{"t":1}}`), NOW, LIMITS).fate, 'dead-letter');
  });

  it('expects a NUL in a status string dead-lettered: the contracts refuse text the database would', () => {
    const fate = expectedFate(json('status', '{"state":"online","agentVersion":"1.\\u0000"}'), NOW, LIMITS);
    assert.equal(fate.fate, 'dead-letter');
  });

  it('expects invalid UTF-8 dead-lettered and leaves timestamps at a limit to the implementation', () => {
    const bytes = Buffer.concat([Buffer.from('{"state":"online","agentVersion":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    assert.equal(expectedFate(json('status', bytes), NOW, LIMITS).fate, 'dead-letter');
    assert.equal(expectedFate(json('telemetry', `{"ts":${NOW + 300_000},"seq":1,"readings":{"t":1}}`), NOW, LIMITS).fate, 'either');
  });

  it('judges frames by the codec: a valid one stored by kind and seq, a truncated one dead-lettered', () => {
    const frame = encodeFrame({ kind: 'thermal', ts: NOW, seq: 9, width: 4, height: 4, celsius: new Float32Array(16).fill(20) });
    assert.deepEqual(expectedFate(thermal(frame), NOW, LIMITS), { fate: 'stored', key: 'thermal#9' });
    assert.equal(expectedFate(thermal(frame.subarray(0, 40)), NOW, LIMITS).fate, 'dead-letter');
  });

  it('expects topics outside the ACL refused by the broker', () => {
    assert.deepEqual(expectedFate({ ...json('telemetry', '{}'), channel: 'wrong-topic' }, NOW, LIMITS), { fate: 'refused' });
  });
});
