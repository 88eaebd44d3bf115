import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BAND_EDGES_HZ, bandEnergyShares, meanBandShares } from './band-energies.js';

const tone = (hz: number, amplitude: number, rate = 16_000) => Int16Array.from({ length: rate }, (_, t) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * t) / rate)));

test('a 700-Hz tone puts most of its energy in the 500–1000 Hz band, at any level', () => {
  const loud = bandEnergyShares(tone(700, 20_000), 16_000);
  const quiet = bandEnergyShares(tone(700, 200), 16_000);
  assert.equal(loud.length, BAND_EDGES_HZ.length - 1);
  assert.ok(loud[3]! > 0.8, JSON.stringify(loud));
  assert.ok(Math.abs(loud.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  loud.forEach((s, b) => assert.ok(Math.abs(s - quiet[b]!) < 0.01, `band ${b}: ${s} vs ${quiet[b]}`));
});

test('bands above 0.45 × the sample rate are empty; silence is all zero; the mean of clips is per band', () => {
  const narrow = bandEnergyShares(tone(300, 10_000, 8_000), 8_000);
  assert.equal(narrow[6], 0, JSON.stringify(narrow));
  assert.deepEqual(bandEnergyShares(new Int16Array(100), 16_000), new Array(7).fill(0));
  assert.deepEqual(meanBandShares([[1, 0], [0, 1]]), [0.5, 0.5]);
  assert.equal(meanBandShares([]), undefined);
});
