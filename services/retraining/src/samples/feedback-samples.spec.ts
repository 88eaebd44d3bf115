import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SAMPLE_LIMITS, decodeSample } from './sample-decoder.js';
import { frameFile } from './feedback-samples.js';

test('a kept acoustic frame becomes a 16-bit WAV the intake accepts, at the frame’s rate and length', () => {
  const file = frameFile({ kind: 'acoustic', ts: 1, seq: 1, sampleRate: 16_000, samples: Int16Array.from({ length: 8_000 }, (_, i) => Math.round(9_000 * Math.sin(i / 5))) });
  assert.equal(file.extension, 'wav');
  const decoded = decodeSample('acoustic', file.bytes, DEFAULT_SAMPLE_LIMITS);
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.deepEqual([decoded.format, decoded.summary['sampleRate'], decoded.summary['bitsPerSample'], decoded.summary['seconds']], ['wav', 16_000, 16, 0.5]);
});

test('a kept °C thermal frame becomes a JSON matrix the intake accepts, rows × columns as the frame', () => {
  const width = 12;
  const height = 9;
  const file = frameFile({ kind: 'thermal', ts: 1, seq: 1, width, height, celsius: Float32Array.from({ length: width * height }, (_, i) => 20 + (i % 7)) });
  assert.equal(file.extension, 'json');
  const rows = JSON.parse(new TextDecoder().decode(file.bytes)) as number[][];
  assert.deepEqual([rows.length, rows[0]!.length, rows[1]![0]], [height, width, 20 + (width % 7)]);
  const decoded = decodeSample('thermal', file.bytes, DEFAULT_SAMPLE_LIMITS);
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.deepEqual([decoded.summary['width'], decoded.summary['height']], [width, height]);
});
