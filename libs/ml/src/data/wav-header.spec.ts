import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputLimitError, WavFormatError } from './data-errors.js';
import { readWavHeader } from './wav-header.js';
import { DEFAULT_WAV_LIMITS, checkWavLimits } from './wav-limits.js';
import { readWav } from './wav-reader.js';
import { writeWav } from './wav-writer.js';

/** A 44-byte canonical header followed by `dataBytes` zero bytes, with every field settable so it can lie. */
function header(fields: { rate?: number; channels?: number; bits?: number; blockAlign?: number; declaredData?: number; dataBytes?: number; code?: number } = {}): Uint8Array {
  const rate = fields.rate ?? 16_000;
  const channels = fields.channels ?? 1;
  const bits = fields.bits ?? 16;
  const dataBytes = fields.dataBytes ?? 320;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  out.set(Buffer.from('RIFF'), 0);
  view.setUint32(4, 36 + dataBytes, true);
  out.set(Buffer.from('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, fields.code ?? 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, (rate * channels * bits) / 8, true);
  view.setUint16(32, fields.blockAlign ?? (channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  out.set(Buffer.from('data'), 36);
  view.setUint32(40, fields.declaredData ?? dataBytes, true);
  return out;
}

const code = (expected: string) => (err: unknown) => err instanceof WavFormatError && err.code === expected;
const limit = (name: string, value: number) => (err: unknown) => err instanceof InputLimitError && err.limit === name && err.value === value;

test('reads what a header declares without decoding: rate, channels, frames, duration', () => {
  const h = readWavHeader(writeWav(new Float32Array(8_000), 16_000));
  assert.deepEqual(
    { encoding: h.encoding, channels: h.channels, rate: h.sampleRate, bits: h.bitsPerSample, frames: h.frames, seconds: h.durationSeconds, dataOffset: h.dataOffset },
    { encoding: 'pcm', channels: 1, rate: 16_000, bits: 16, frames: 8_000, seconds: 0.5, dataOffset: 44 },
  );
});

test('refuses lying headers: data larger than the file, zero rate, zero channels, odd block align', () => {
  assert.throws(() => readWavHeader(header({ declaredData: 1_000_000 })), code('truncated'), 'a data chunk longer than the file');
  assert.throws(() => readWavHeader(header({ declaredData: 0xffff_ffff })), code('truncated'), 'the streaming "unknown length" size');
  assert.throws(() => readWavHeader(header({ rate: 0 })), code('corrupt'), 'zero sample rate');
  assert.throws(() => readWavHeader(header({ channels: 0 })), code('corrupt'), 'zero channels');
  assert.throws(() => readWavHeader(header({ blockAlign: 3 })), code('corrupt'), 'block align that is not channels × bytes per sample');
  assert.throws(() => readWavHeader(header({ bits: 12 })), code('unsupported_format'), '12-bit samples');
});

test('the limits name the limit and the value: the issue\'s 100 Hz file, a huge rate, too many channels, too long', () => {
  const at100Hz = readWavHeader(header({ rate: 100, dataBytes: 200_000 }));
  assert.equal(at100Hz.durationSeconds, 1_000, '200 kB at 100 Hz is 1,000 s of audio');
  assert.throws(() => checkWavLimits(at100Hz, DEFAULT_WAV_LIMITS), limit('sample_rate', 100));
  assert.throws(() => checkWavLimits(readWavHeader(header({ rate: 4_000_000_000 })), DEFAULT_WAV_LIMITS), limit('sample_rate', 4_000_000_000));
  assert.throws(() => checkWavLimits(readWavHeader(header({ channels: 64, dataBytes: 128 })), DEFAULT_WAV_LIMITS), limit('channels', 64));
  assert.throws(() => checkWavLimits(readWavHeader(header({ dataBytes: 16_000 * 2 * 11 })), DEFAULT_WAV_LIMITS), limit('duration', 11));
  assert.doesNotThrow(() => checkWavLimits(readWavHeader(header({ rate: 96_000, dataBytes: 96_000 * 2 * 10 })), DEFAULT_WAV_LIMITS), '10 s at 96 kHz is within the limits');
});

test('readWav with limits refuses a 4 MiB file declaring 100 Hz by its header, naming the limit', () => {
  const big = header({ rate: 100, dataBytes: 4 * 1024 * 1024 - 44 });
  let err: unknown;
  try {
    readWav(big, { limits: DEFAULT_WAV_LIMITS });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof InputLimitError && err.limit === 'sample_rate', String(err));
  assert.match((err as Error).message, /100 Hz is outside the allowed 8000–96000 Hz/);
});
