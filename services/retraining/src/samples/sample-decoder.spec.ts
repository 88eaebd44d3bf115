import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '@premonitor/training';
import { DEFAULT_SAMPLE_LIMITS, decodeSample, type AcceptedSample, type RefusedSample } from './sample-decoder.js';

/** A PCM WAV of `frames` frames × `channels` at `bits` bits (8 unsigned, else signed), channel c holding c/10 full scale. */
function pcmWav(bits: 8 | 16 | 24 | 32, channels: number, rate: number, frames: number): Uint8Array {
  const bytesPer = bits / 8;
  const data = frames * channels * bytesPer;
  const out = new Uint8Array(44 + data);
  const v = new DataView(out.buffer);
  out.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  v.setUint32(4, 36 + data, true);
  out.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * bytesPer, true);
  v.setUint16(32, channels * bytesPer, true);
  v.setUint16(34, bits, true);
  out.set([...'data'].map((c) => c.charCodeAt(0)), 36);
  v.setUint32(40, data, true);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const at = 44 + (f * channels + c) * bytesPer;
      const x = (c + 1) / 10;
      if (bits === 8) v.setUint8(at, Math.round(128 + x * 127));
      else if (bits === 16) v.setInt16(at, Math.round(x * 32767), true);
      else if (bits === 24) {
        const n = Math.round(x * 8388607);
        v.setUint8(at, n & 0xff);
        v.setUint8(at + 1, (n >> 8) & 0xff);
        v.setInt8(at + 2, n >> 16);
      } else v.setInt32(at, Math.round(x * 2147483647), true);
    }
  }
  return out;
}

const ok = (r: AcceptedSample | RefusedSample): AcceptedSample => {
  assert.equal(r.ok, true, JSON.stringify(r));
  return r as AcceptedSample;
};
const refusedWith = (r: AcceptedSample | RefusedSample, status: number, error: string): RefusedSample => {
  assert.equal(r.ok, false, 'expected a refusal');
  const refusal = r as RefusedSample;
  assert.equal(refusal.status, status, refusal.message);
  assert.equal(refusal.error, error, refusal.message);
  return refusal;
};

test('accepts WAVs of 8, 16, 24 and 32 bits at any allowed rate, and a chosen channel of a multichannel file', () => {
  for (const bits of [8, 16, 24, 32] as const) {
    const r = ok(decodeSample('acoustic', pcmWav(bits, 1, 22_050, 2_205), DEFAULT_SAMPLE_LIMITS));
    assert.equal(r.summary.bitsPerSample, bits);
    assert.equal(r.summary.sampleRate, 22_050);
  }
  const eight = ok(decodeSample('acoustic', pcmWav(16, 8, 16_000, 1_600), DEFAULT_SAMPLE_LIMITS, { channel: 7 }));
  assert.deepEqual([eight.summary.channels, eight.summary.channel], [8, 7]);
});

test('refuses a truncated WAV, a header that lies about its size, a missing channel and a too long clip', () => {
  const whole = pcmWav(16, 1, 16_000, 16_000);
  refusedWith(decodeSample('acoustic', whole.subarray(0, 30), DEFAULT_SAMPLE_LIMITS), 400, 'invalid_wav');
  const lying = pcmWav(16, 2, 16_000, 1_000);
  new DataView(lying.buffer).setUint16(22, 1, true); // says mono, block align says stereo
  refusedWith(decodeSample('acoustic', lying, DEFAULT_SAMPLE_LIMITS), 400, 'invalid_wav');
  const cut = pcmWav(16, 1, 16_000, 16_000).subarray(0, 20_000); // header declares 32,000 data bytes
  refusedWith(decodeSample('acoustic', cut, DEFAULT_SAMPLE_LIMITS), 400, 'invalid_wav');
  refusedWith(decodeSample('acoustic', pcmWav(16, 2, 16_000, 100), DEFAULT_SAMPLE_LIMITS, { channel: 2 }), 400, 'invalid_wav');
  refusedWith(decodeSample('acoustic', pcmWav(8, 1, 8_000, 8_000 * 11), DEFAULT_SAMPLE_LIMITS), 422, 'limit');
  refusedWith(decodeSample('acoustic', pcmWav(16, 1, 16_000, 100), { ...DEFAULT_SAMPLE_LIMITS, maxFileBytes: 100 }), 413, 'file_too_large');
});

test('reads thermal frames as CSV, JSON or a grey PNG, and refuses the wrong size and non-finite values', () => {
  const rows = Array.from({ length: 24 }, (_, r) => Array.from({ length: 32 }, (_, c) => (20 + r + c / 10).toFixed(1)));
  const csv = ok(decodeSample('thermal', new TextEncoder().encode(rows.map((r) => r.join(',')).join('\n')), DEFAULT_SAMPLE_LIMITS));
  assert.deepEqual([csv.format, csv.summary.width, csv.summary.height], ['csv', 32, 24]);
  const json = ok(decodeSample('thermal', new TextEncoder().encode(JSON.stringify(rows.map((r) => r.map(Number)))), DEFAULT_SAMPLE_LIMITS));
  assert.equal(json.format, 'json');
  const grey = new Uint8Array(40 * 24 * 3).map((_, i) => (Math.floor(i / 3) * 7) % 256);
  const png = ok(decodeSample('thermal', encodePng(40, 24, grey), DEFAULT_SAMPLE_LIMITS));
  assert.deepEqual([png.format, png.summary.width, png.summary.height], ['png', 40, 24]);
  refusedWith(decodeSample('thermal', encodePng(4, 200, new Uint8Array(4 * 200 * 3)), DEFAULT_SAMPLE_LIMITS), 422, 'frame_size');
  refusedWith(decodeSample('thermal', new TextEncoder().encode('1,2\n3,4'), DEFAULT_SAMPLE_LIMITS), 422, 'frame_size');
  refusedWith(decodeSample('thermal', new TextEncoder().encode(rows.map((r, i) => (i === 3 ? [...r.slice(1), 'NaN'] : r).join(',')).join('\n')), DEFAULT_SAMPLE_LIMITS), 400, 'invalid_matrix');
  refusedWith(decodeSample('thermal', Uint8Array.from([0xff, 0xfe, 0x00, 0x41]), DEFAULT_SAMPLE_LIMITS), 400, 'invalid_matrix');
});

test('reads a telemetry window with named columns and refuses ragged rows and non-finite cells', () => {
  const good = 'x,y,z\n0.1,0.2,0.3\n0.2,0.1,-0.4\n';
  assert.deepEqual(ok(decodeSample('vibration', new TextEncoder().encode(good), DEFAULT_SAMPLE_LIMITS)).summary, { rows: 2, columns: 'x,y,z' });
  refusedWith(decodeSample('telemetry', new TextEncoder().encode('x,y\n1,2\n3\n'), DEFAULT_SAMPLE_LIMITS), 400, 'invalid_csv');
  refusedWith(decodeSample('telemetry', new TextEncoder().encode('x,y\n1,Infinity\n'), DEFAULT_SAMPLE_LIMITS), 400, 'non_finite');
  refusedWith(decodeSample('telemetry', new TextEncoder().encode('1,2\n1,2\n'), DEFAULT_SAMPLE_LIMITS), 400, 'invalid_csv');
  refusedWith(decodeSample('telemetry', new Uint8Array(0), DEFAULT_SAMPLE_LIMITS), 400, 'empty_file');
});
