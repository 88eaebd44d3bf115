import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataOptionsError } from './data-errors.js';
import { resample } from './resample.js';

function tone(hz: number, rate: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
}

// Edges are skipped: outside the input the resampler sees zeros, as any FIR does.
const EDGE = 200;

test('a 1 kHz tone survives 44.1 kHz → 16 kHz with < 1 % RMS error', () => {
  for (const from of [44100, 48000, 22050, 8000]) {
    const out = resample(tone(1000, from, 0.5), from, 16000);
    assert.equal(out.length, 8000);
    let err = 0;
    let ref = 0;
    for (let n = EDGE; n < out.length - EDGE; n++) {
      const expected = Math.sin((2 * Math.PI * 1000 * n) / 16000);
      err += (out[n]! - expected) ** 2;
      ref += expected ** 2;
    }
    const relative = Math.sqrt(err / ref);
    assert.ok(relative < 0.01, `${from} Hz: RMS error ${(relative * 100).toFixed(4)} %`);
  }
});

test('a 10 kHz tone is attenuated by more than 40 dB going to 16 kHz', () => {
  for (const from of [44100, 48000, 32000]) {
    const out = resample(tone(10000, from, 0.5), from, 16000);
    let power = 0;
    for (let n = EDGE; n < out.length - EDGE; n++) power += out[n]! ** 2;
    const db = 10 * Math.log10(power / (out.length - 2 * EDGE) / 0.5);
    assert.ok(db < -40, `${from} Hz: 10 kHz at ${db.toFixed(1)} dB`);
  }
});

test('returns a copy at equal rates and rejects non-integer rates', () => {
  const x = tone(100, 16000, 0.01);
  assert.deepEqual(resample(x, 16000, 16000), x);
  assert.throws(() => resample(x, 44100.5, 16000), DataOptionsError);
});
