import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputLimitError, WavFormatError } from './data-errors.js';
import { readWav } from './wav-reader.js';
import { writeWav } from './wav-writer.js';

interface Chunk {
  id: string;
  body: Uint8Array;
}

// Hand-assembled RIFF files, independent of writeWav, so the reader is not only checked
// against its own writer.
function riff(chunks: Chunk[]): Uint8Array {
  const size = chunks.reduce((s, c) => s + 8 + c.body.length + (c.body.length & 1), 4);
  const out = new Uint8Array(8 + size);
  const view = new DataView(out.buffer);
  out.set(Buffer.from('RIFF'), 0);
  view.setUint32(4, size, true);
  out.set(Buffer.from('WAVE'), 8);
  let at = 12;
  for (const c of chunks) {
    out.set(Buffer.from(c.id), at);
    view.setUint32(at + 4, c.body.length, true);
    out.set(c.body, at + 8);
    at += 8 + c.body.length + (c.body.length & 1);
  }
  return out;
}

function fmt(code: number, channels: number, rate: number, bits: number, extensibleSubFormat?: number): Chunk {
  const body = new Uint8Array(extensibleSubFormat === undefined ? 16 : 40);
  const v = new DataView(body.buffer);
  v.setUint16(0, extensibleSubFormat === undefined ? code : 0xfffe, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  if (extensibleSubFormat !== undefined) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint16(24, extensibleSubFormat, true);
  }
  return { id: 'fmt ', body };
}

test('16-bit PCM survives a write → read round trip within half a quantisation step', () => {
  const samples = Float32Array.from({ length: 1000 }, (_, i) => 0.8 * Math.sin(i / 7));
  const wav = readWav(writeWav(samples, 16000));
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.channels, 1);
  assert.equal(wav.samples.length, 1000);
  const worst = Math.max(...wav.samples.map((v, i) => Math.abs(v - samples[i]!)));
  assert.ok(worst <= 0.5 / 32768 + 1e-9, `worst error ${worst}`);
});

test('reads hand-built 24-bit stereo PCM, mixing to mono and skipping unknown chunks', () => {
  const frames = [
    [0x7fffff, -0x800000],
    [0x400000, 0x400000],
    [-0x200000, 0],
  ];
  const data = new Uint8Array(frames.length * 6);
  frames.flat().forEach((v, i) => {
    data[3 * i] = v & 0xff;
    data[3 * i + 1] = (v >> 8) & 0xff;
    data[3 * i + 2] = (v >> 16) & 0xff;
  });
  const bytes = riff([{ id: 'LIST', body: new Uint8Array(5) }, fmt(1, 2, 44100, 24), { id: 'data', body: data }]);
  const wav = readWav(bytes);
  assert.equal(wav.sampleRate, 44100);
  assert.equal(wav.channels, 2);
  assert.equal(wav.bitsPerSample, 24);
  const expected = [(0x7fffff / 8388608 - 1) / 2, 0.5, -0.125];
  wav.samples.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${v} vs ${expected[i]}`));
  // One microphone of an array, not the mix.
  const right = readWav(bytes, { channel: 1 });
  [-1, 0.5, 0].forEach((e, i) => assert.ok(Math.abs(right.samples[i]! - e) < 1e-6, `${right.samples[i]} vs ${e}`));
  assert.throws(() => readWav(bytes, { channel: 2 }), (err: unknown) => err instanceof WavFormatError && err.code === 'bad_channel' && /has 2/.test(err.message));
});

test('reads 32-bit float, plain and WAVE_FORMAT_EXTENSIBLE', () => {
  const values = [0.25, -0.5, 0.999];
  const data = new Uint8Array(new Float32Array(values).buffer);
  for (const format of [fmt(3, 1, 48000, 32), fmt(0, 1, 48000, 32, 3)]) {
    const wav = readWav(riff([format, { id: 'data', body: data }]));
    assert.deepEqual([...wav.samples], [...new Float32Array(values)]);
  }
});

test('reads 8-bit unsigned and 32-bit integer PCM', () => {
  assert.deepEqual([...readWav(riff([fmt(1, 1, 8000, 8), { id: 'data', body: Uint8Array.from([128, 255, 0]) }])).samples], [0, 127 / 128, -1]);
  const int32 = new Uint8Array(new Int32Array([1 << 30, -(2 ** 31)]).buffer);
  assert.deepEqual([...readWav(riff([fmt(1, 1, 8000, 32), { id: 'data', body: int32 }])).samples], [0.5, -1]);
});

test('rejects broken and unsupported files with a WavFormatError naming the reason', () => {
  const good = writeWav(new Float32Array(100), 16000);
  const cases: Array<[string, Uint8Array, string]> = [
    ['truncated data', good.subarray(0, 100), 'truncated'],
    ['a header only', good.subarray(0, 8), 'truncated'],
    ['not RIFF', Uint8Array.from(Buffer.from('ID3\u0004 this is an mp3 file....')), 'not_riff'],
    ['A-law', riff([fmt(6, 1, 8000, 8), { id: 'data', body: new Uint8Array(4) }]), 'unsupported_format'],
    ['extensible A-law', riff([fmt(0, 1, 8000, 8, 6), { id: 'data', body: new Uint8Array(4) }]), 'unsupported_format'],
    ['12-bit PCM', riff([fmt(1, 1, 8000, 12), { id: 'data', body: new Uint8Array(4) }]), 'unsupported_format'],
    ['no data chunk', riff([fmt(1, 1, 8000, 16)]), 'truncated'],
  ];
  for (const [name, bytes, code] of cases) {
    assert.throws(
      () => readWav(bytes),
      (error: unknown) => error instanceof WavFormatError && error.code === code,
      name,
    );
  }
  assert.throws(() => readWav(good, { maxBytes: 100 }), (error: unknown) => error instanceof InputLimitError && error.limit === 'size' && error.value === good.length);
});
