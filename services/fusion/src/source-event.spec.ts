import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Signal } from './signals.js';
import { sourceEventKey } from './source-event.js';

const at = { site: 's', device: 'd' };
const telemetry = (ts: number, seq: number, receivedAt = ts): Signal => ({ type: 'telemetry', event: { ...at, ts, seq, readings: { gas_ppm: 60 }, receivedAt } });

describe('sourceEventKey', () => {
  it('gives a redelivered or re-published event the same key, whenever the core received it', () => {
    assert.equal(sourceEventKey(telemetry(1_000, 7, 1_001)), sourceEventKey(telemetry(1_000, 7, 9_999)));
  });

  it('tells events apart by the device time as well as the sequence number (a device that starts counting again)', () => {
    const keys = [telemetry(1_000, 7), telemetry(2_000, 7), telemetry(1_000, 8)].map(sourceEventKey);
    assert.equal(new Set(keys).size, 3);
  });

  it('keys every input of fusion by what it is', () => {
    const signals: Signal[] = [
      telemetry(5, 1),
      { type: 'score', event: { ...at, kind: 'acoustic', ts: 5, seq: 1, score: 0.9, modelVersion: 'v1', latencyMs: 3 } },
      { type: 'score', event: { ...at, kind: 'thermal', ts: 5, seq: 1, score: 0.9, modelVersion: 'v2', latencyMs: 3 } },
      { type: 'edge', event: { ...at, ts: 5, seq: 1, rule: 'gas-leak', severity: 'WARNING' } },
      { type: 'forecast', event: { ...at, sensorKey: 'temperature', ts: 5, riskScore: 80, riskLevel: 'high', timeToFailureHours: 3, recommendedAction: '' } },
      { type: 'forecast', event: { ...at, sensorKey: 'pressure', ts: 5, riskScore: 80, riskLevel: 'high', timeToFailureHours: 3, recommendedAction: '' } },
      { type: 'status', event: { ...at, state: 'offline', ts: 5 } },
      { type: 'status', event: { ...at, state: 'online', ts: 5 } },
    ];
    const keys = signals.map(sourceEventKey);
    assert.deepEqual(keys, [
      'telemetry:5:1',
      'score:acoustic:5:1',
      'score:thermal:5:1',
      'edge:5:1',
      'forecast:temperature:5',
      'forecast:pressure:5',
      'status:offline:5',
      'status:online:5',
    ]);
  });

  it('gives a frame scored again by another model the key of the frame', () => {
    const score = (modelVersion: string, value: number): Signal => ({ type: 'score', event: { ...at, kind: 'acoustic', ts: 5, seq: 1, score: value, modelVersion, latencyMs: 1 } });
    assert.equal(sourceEventKey(score('v1', 0.9)), sourceEventKey(score('v2', 0.95)));
  });
});
