import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hzToMel, melFilterbank, melToHz } from './mel-filterbank.js';

test('uses the Slaney mel scale: linear to 1 kHz = 15 mel, logarithmic above', () => {
  assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
  assert.ok(Math.abs(hzToMel(6400) - 42) < 1e-12);
  for (const hz of [0, 123, 999, 1000, 4321, 8000]) assert.ok(Math.abs(melToHz(hzToMel(hz)) - hz) < 1e-9);
});

test('matches librosa.filters.mel(sr=16000, n_fft=1024, n_mels=64) weights', () => {
  // Values from librosa's algorithm (htk=False, norm='slaney') evaluated in numpy float64.
  const expected: [number, number, number][] = [
    [0, 1, 0.00725564084514393],
    [0, 2, 0.01451128169028786],
    [5, 15, 0.0010894255353181726],
    [5, 18, 0.020241726785986333],
    [20, 60, 0.004316352782811537],
    [30, 96, 0.00027816916840565193],
    [30, 101, 0.012217592775963954],
    [40, 155, 0.00025728861131842345],
    [40, 163, 0.007561124194271601],
    [63, 500, 0.0013737118343476753],
    [63, 511, 0.00011447598619562738],
  ];
  const bank = melFilterbank({ sampleRate: 16000, nFft: 1024, nMels: 64 });
  assert.equal(bank.length, 64);
  assert.equal(bank[0]!.length, 513);
  for (const [m, k, w] of expected) assert.ok(Math.abs(bank[m]![k]! - w) < 1e-12, `weight [${m}][${k}]`);
  const total = bank.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  assert.ok(Math.abs(total - 4.095880160968865) < 1e-9);
});

test('rejects band edges above the Nyquist frequency', () => {
  assert.throws(() => melFilterbank({ sampleRate: 16000, nFft: 1024, fMax: 9000 }), RangeError);
});
