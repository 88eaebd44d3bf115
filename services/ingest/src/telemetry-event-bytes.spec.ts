import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent } from '@premonitor/bus';
import { telemetryEventBytes } from './telemetry-event-bytes.js';

const ref = { site: 'plant-1', device: 'pump-7' };

describe('telemetryEventBytes', () => {
  it('decodes to the same telemetry event as encoding the parsed message', () => {
    const payload = Buffer.from(' \n{"ts":1700000000000, "seq":42,"readings":{"temperature":41.50,"rpm":1.2e3}}\n');
    const bytes = telemetryEventBytes(payload, ref, 1700000000123);
    assert.ok(bytes);
    const message = JSON.parse(payload.toString()) as { ts: number; seq: number; readings: Record<string, number> };
    const expected = decodeEvent('telemetry', { data: encodeEvent('telemetry', { ...ref, ...message, receivedAt: 1700000000123 }) });
    assert.deepEqual(decodeEvent('telemetry', { data: bytes }), expected);
    assert.equal(expected.ok, true);
  });

  it('declines a payload that is not a JSON object, so the caller encodes instead', () => {
    assert.equal(telemetryEventBytes(Buffer.from('[1]'), ref, 1), undefined);
    assert.equal(telemetryEventBytes(Buffer.alloc(0), ref, 1), undefined);
  });
});
