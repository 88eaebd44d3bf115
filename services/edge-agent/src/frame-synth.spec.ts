import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame } from '@premonitor/contracts';
import { synthesizeAcoustic, synthesizeThermal } from './frame-synth.js';
import type { MachineState } from './machine-model.js';
import { mulberry32 } from './random.js';

const state: MachineState = { load: 0.8, ambientC: 21, temperatureC: 55, rotationHz: 24.5, inBurst: false };

describe('synthetic frames', () => {
  it('encodes a 1 s 16 kHz acoustic clip that decodes with the same header and samples', () => {
    const frame = synthesizeAcoustic(state, mulberry32(1), 1_700_000_000_000, 41);
    const decoded = decodeFrame(encodeFrame(frame), 'acoustic');
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    assert.equal(decoded.value.kind, 'acoustic');
    if (decoded.value.kind !== 'acoustic') return;
    assert.equal(decoded.value.sampleRate, 16_000);
    assert.equal(decoded.value.samples.length, 16_000);
    assert.equal(decoded.value.seq, 41);
    assert.equal(decoded.value.ts, 1_700_000_000_000);
    assert.deepEqual(decoded.value.samples, frame.samples);
  });

  it('puts the rotation frequency into the clip', () => {
    const { samples } = synthesizeAcoustic(state, mulberry32(2), 0, 0);
    // Correlate with the fundamental and with an off-harmonic frequency: the fundamental wins.
    const power = (f: number) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < samples.length; i++) {
        re += samples[i]! * Math.cos((2 * Math.PI * f * i) / 16_000);
        im += samples[i]! * Math.sin((2 * Math.PI * f * i) / 16_000);
      }
      return re * re + im * im;
    };
    assert.ok(power(24.5) > 100 * power(37.3));
  });

  it('encodes a 32×24 thermal frame with a machine warmer than the background', () => {
    const frame = synthesizeThermal(state, mulberry32(3), 1_700_000_000_000, 7);
    const decoded = decodeFrame(encodeFrame(frame), 'thermal');
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    if (decoded.value.kind !== 'thermal') return assert.fail('not thermal');
    assert.equal(decoded.value.width, 32);
    assert.equal(decoded.value.height, 24);
    const at = (x: number, y: number) => decoded.value.kind === 'thermal' ? decoded.value.celsius[y * 32 + x]! : NaN;
    assert.ok(Math.abs(at(0, 0) - 21) < 2, `corner ${at(0, 0)}`);
    assert.ok(Math.abs(at(16, 12) - 55) < 3, `centre ${at(16, 12)}`);
  });

  it('is deterministic for a seed', () => {
    assert.deepEqual(synthesizeThermal(state, mulberry32(9), 0, 0).celsius, synthesizeThermal(state, mulberry32(9), 0, 0).celsius);
  });
});
