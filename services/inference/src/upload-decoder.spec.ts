import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeWav } from '@premonitor/ml/data';
import { OnnxWorkerPool } from './onnx-worker-pool.js';
import { DEFAULT_UPLOAD_LIMITS, decodeUpload, precheckUpload, type UploadTarget } from './upload-decoder.js';

const acoustic: UploadTarget = { kind: 'acoustic', mediaType: 'audio/wav', sampleRate: 16_000, frameShape: [16_000] };

test('the precheck refuses from the header alone: a 100 Hz file is 422 sample_rate, a 16 kHz one passes', () => {
  const refusal = precheckUpload(writeWav(new Float32Array(1_000), 100), acoustic, DEFAULT_UPLOAD_LIMITS);
  assert.deepEqual(refusal && [refusal.status, refusal.error, refusal.limit], [422, 'upload_limit', { name: 'sample_rate', value: 100, allowed: '8000–96000 Hz' }]);
  assert.equal(precheckUpload(writeWav(new Float32Array(1_000), 16_000), acoustic, DEFAULT_UPLOAD_LIMITS), undefined);
  assert.equal(precheckUpload(new Uint8Array([1, 2, 3]), acoustic, DEFAULT_UPLOAD_LIMITS)?.status, 400);
});

test('decoding resamples and windows audio into packed model rows; a refusal is data, not a throw', () => {
  const decoded = decodeUpload(writeWav(new Float32Array(48_000 * 3).fill(0.25), 48_000), acoustic, DEFAULT_UPLOAD_LIMITS);
  assert.ok(decoded.ok);
  assert.deepEqual([decoded.rows, decoded.packed.length, decoded.input], [3, 3 * 16_000, { sampleRate: 48_000, samples: 144_000, channels: 1 }]);
  const csv = decodeUpload(new TextEncoder().encode('1,2\n3'), { kind: 'thermal', mediaType: 'text/csv', sampleRate: undefined, frameShape: [24, 32] }, DEFAULT_UPLOAD_LIMITS);
  assert.deepEqual(!csv.ok && [csv.status, csv.error], [400, 'invalid_matrix']);
});

test('a worker thread of the onnxruntime pool decodes to the same rows as this thread', async () => {
  const pool = new OnnxWorkerPool(1);
  try {
    const wav = writeWav(Float32Array.from({ length: 44_100 }, (_, i) => 0.3 * Math.sin(i / 5)), 44_100);
    const here = decodeUpload(wav, acoustic, DEFAULT_UPLOAD_LIMITS);
    const there = await pool.decodeUpload(wav, acoustic, DEFAULT_UPLOAD_LIMITS);
    assert.ok(here.ok && there.ok);
    assert.deepEqual(there.packed, here.packed);
    const refused = await pool.decodeUpload(writeWav(new Float32Array(16_000 * 11), 16_000), acoustic, DEFAULT_UPLOAD_LIMITS);
    assert.deepEqual(!refused.ok && [refused.status, refused.limit?.name], [422, 'duration']);
  } finally {
    await pool.close();
  }
});
