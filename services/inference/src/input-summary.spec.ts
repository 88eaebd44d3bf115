import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputSummary } from './input-summary.js';

test('a thermal frame: mean temperature and the hottest pixel above it, °C', () => {
  const celsius = new Float32Array([20, 20, 20, 60]);
  assert.deepEqual(inputSummary({ kind: 'thermal', ts: 1, seq: 1, width: 2, height: 2, celsius }), { level: 30, spread: 30 });
});

test('an acoustic clip: RMS in dBFS and crest factor in dB (a full-scale square wave: 0 dBFS, 0 dB; half scale: −6.021 dBFS)', () => {
  const square = Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? 32_767 : -32_768));
  const full = inputSummary({ kind: 'acoustic', ts: 1, seq: 1, sampleRate: 16_000, samples: square })!;
  assert.ok(Math.abs(full.level) < 0.001 && Math.abs(full.spread) < 0.001, JSON.stringify(full));
  const half = inputSummary({ kind: 'acoustic', ts: 1, seq: 1, sampleRate: 16_000, samples: Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? 16_384 : -16_384)) })!;
  assert.equal(half.level, -6.021);
  assert.deepEqual(inputSummary({ kind: 'acoustic', ts: 1, seq: 1, sampleRate: 16_000, samples: new Int16Array(10) }), { level: -120, spread: 0 }, 'silence has a floor, not −∞');
});

test('an image frame has no summary (its pixels are decoded for the model only)', () => {
  assert.equal(inputSummary({ kind: 'thermal', ts: 1, seq: 1, width: 2, height: 2, image: new Uint8Array(8) }), undefined);
});
