import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame } from '@premonitor/contracts';
import { synthesizeAcoustic, synthesizeThermal, type SimulatedMachine } from './frame-synth.js';
import type { MachineState } from './machine-model.js';

const machine: SimulatedMachine = { kind: 'pump', seed: 77 };
const state: MachineState = { load: 0.8, ambientC: 21, temperatureC: 55, rotationHz: 24.5, inBurst: false };

describe('synthetic frames', () => {
  it('encodes a 1 s 16 kHz acoustic clip that decodes with the same header and samples', () => {
    const frame = synthesizeAcoustic(machine, 1_700_000_000_000, 41);
    const decoded = decodeFrame(encodeFrame(frame), 'acoustic');
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    if (decoded.value.kind !== 'acoustic') return assert.fail('not acoustic');
    assert.equal(decoded.value.sampleRate, 16_000);
    assert.equal(decoded.value.samples.length, 16_000);
    assert.equal(decoded.value.seq, 41);
    assert.deepEqual(decoded.value.samples, frame.samples);
    assert.ok(frame.samples.some((v) => v !== 0), 'not silence');
  });

  it('gives each recording its own clip and each seed its own machine, deterministically', () => {
    const a = synthesizeAcoustic(machine, 0, 1).samples;
    assert.deepEqual(synthesizeAcoustic(machine, 0, 1).samples, a);
    assert.notDeepEqual(synthesizeAcoustic(machine, 0, 2).samples, a);
    assert.notDeepEqual(synthesizeAcoustic({ ...machine, seed: 78 }, 0, 1).samples, a);
  });

  it('encodes a 32×24 thermal frame whose machine warms with load', () => {
    const frame = synthesizeThermal(machine, state, 1_700_000_000_000, 7);
    const decoded = decodeFrame(encodeFrame(frame), 'thermal');
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    if (decoded.value.kind !== 'thermal') return assert.fail('not thermal');
    assert.equal(decoded.value.width, 32);
    assert.equal(decoded.value.height, 24);
    const max = (c: Float32Array) => c.reduce((m, v) => Math.max(m, v), -Infinity);
    const idle = synthesizeThermal(machine, { ...state, load: 0 }, 0, 7).celsius;
    assert.ok(max(frame.celsius) > max(idle) + 2, `loaded ${max(frame.celsius)} vs idle ${max(idle)}`);
  });
});
