import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTopic } from '@premonitor/contracts';

test('parses a telemetry topic', () => {
  const parsed = parseTopic('premonitor/v1/plant-1/pump-7/telemetry');
  assert.deepEqual(parsed, { ok: true, topic: { site: 'plant-1', device: 'pump-7', channel: { type: 'telemetry' } } });
});
