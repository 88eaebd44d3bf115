import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateAcousticClip, renderAcousticClip } from './acoustic-clip.js';
import { DataOptionsError } from './data-errors.js';
import { MACHINE_TYPES, machineProfile } from './machine-profile.js';
import { gainToDb, rms } from './signal-level.js';
import { bandEnvelope, bandPower, peakAmplitudeNear, toneAmplitude } from './spectral-probe.js';

const FS = 16000;

test('the same options give identical samples; another instance has other parameters', () => {
  const options = { machineType: 'pump', instanceId: 2, seed: 11, clipIndex: 4, snrDb: 0 } as const;
  assert.deepEqual(generateAcousticClip(options), generateAcousticClip(options));
  assert.notDeepEqual(generateAcousticClip(options), generateAcousticClip({ ...options, clipIndex: 5 }));
  const a = machineProfile('pump', 2, 11);
  const b = machineProfile('pump', 3, 11);
  assert.deepEqual(a, machineProfile('pump', 2, 11));
  assert.notEqual(a.rotationHz, b.rotationHz);
  assert.notEqual(a.bearingResonanceHz, b.bearingResonanceHz);
  assert.ok(a.rotationHz >= 24 && a.rotationHz <= 30);
});

test('mixes the background at the requested SNR within ±0.5 dB for every machine type', () => {
  for (const machineType of MACHINE_TYPES) {
    for (const snrDb of [6, 0, -6]) {
      const parts = renderAcousticClip({ machineType, instanceId: 1, seed: 3, clipIndex: 0, snrDb });
      const measured = gainToDb(rms(parts.machine) / rms(parts.background));
      assert.ok(Math.abs(measured - snrDb) < 0.5, `${machineType} ${snrDb} dB measured ${measured.toFixed(3)}`);
      assert.equal(parts.mixture.length, FS);
      assert.ok(parts.mixture.every((v) => Number.isFinite(v) && Math.abs(v) < 1));
    }
  }
});

test('a healthy clip has energy at the first rotation harmonics, well above half orders', () => {
  for (const machineType of MACHINE_TYPES) {
    const parts = renderAcousticClip({ machineType, instanceId: 0, seed: 21, clipIndex: 2, snrDb: 6 });
    const f0 = parts.meanRotationHz;
    for (const k of [1, 2]) {
      const on = peakAmplitudeNear(parts.mixture, k * f0, FS, 0.5);
      const off = toneAmplitude(parts.mixture, (k + 0.5) * f0, FS);
      assert.ok(on > 4 * off, `${machineType} ${k}×: ${on.toExponential(2)} vs ${off.toExponential(2)} at ${k + 0.5}×`);
    }
  }
});

test('imbalance raises the 1× component at least 2.5-fold at 0 dB SNR', () => {
  for (const machineType of MACHINE_TYPES) {
    const options = { machineType, instanceId: 3, seed: 5, clipIndex: 1, snrDb: 0 } as const;
    const healthy = renderAcousticClip(options);
    const faulty = renderAcousticClip({ ...options, anomaly: { kind: 'imbalance', severity: 1 } });
    const f0 = healthy.meanRotationHz;
    const ratio = peakAmplitudeNear(faulty.mixture, f0, FS, 0.5) / peakAmplitudeNear(healthy.mixture, f0, FS, 0.5);
    assert.ok(ratio > 2.5, `${machineType}: 1× rose ${ratio.toFixed(2)}×`);
  }
});

test('a bearing fault adds resonance-band energy that repeats at the defect frequency', () => {
  for (const machineType of MACHINE_TYPES) {
    const options = { machineType, instanceId: 4, seed: 8, clipIndex: 0, snrDb: -6 } as const;
    const healthy = renderAcousticClip(options);
    const faulty = renderAcousticClip({ ...options, anomaly: { kind: 'bearing', severity: 1 } });
    const band = bandPower(faulty.mixture, 1500, 6000, FS) / bandPower(healthy.mixture, 1500, 6000, FS);
    assert.ok(band > 1.3, `${machineType}: band power ×${band.toFixed(2)}`);
    // Envelope spectrum: squared band-passed signal, inspected at BPFO and at unrelated rates.
    const bpfo = healthy.profile.bearingDefectOrder * healthy.meanRotationHz;
    const envelope = bandEnvelope(faulty.mixture, 1500, 6000, FS);
    const atDefect = peakAmplitudeNear(envelope, bpfo, FS, 1.5);
    const elsewhere = Math.max(...[0.63, 0.77, 1.3, 1.71].map((k) => toneAmplitude(envelope, k * bpfo, FS)));
    assert.ok(atDefect > 4 * elsewhere, `${machineType}: envelope at BPFO ${atDefect.toExponential(2)} vs ${elsewhere.toExponential(2)}`);
    const healthyAtDefect = peakAmplitudeNear(bandEnvelope(healthy.mixture, 1500, 6000, FS), bpfo, FS, 1.5);
    assert.ok(atDefect > 5 * healthyAtDefect);
  }
});

test('every anomaly kind changes the clip, and severity 0 leaves it healthy', () => {
  const options = { machineType: 'fan', instanceId: 0, seed: 2, clipIndex: 0, snrDb: 0, seconds: 0.5 } as const;
  const healthy = generateAcousticClip(options);
  for (const kind of ['bearing', 'imbalance', 'looseness', 'cavitation', 'leak', 'clicks', 'speed_drift'] as const) {
    const faulty = generateAcousticClip({ ...options, anomaly: { kind, severity: 0.8 } });
    const diff = rms(faulty.map((v, i) => v - healthy[i]!));
    assert.ok(diff > 0.05 * rms(healthy), `${kind} changed the clip by only ${diff}`);
    const none = generateAcousticClip({ ...options, anomaly: { kind, severity: 0 } });
    assert.ok(rms(none.map((v, i) => v - healthy[i]!)) < 1e-6, `${kind} at severity 0`);
  }
});

test('rejects an unknown machine type and a severity outside [0, 1]', () => {
  assert.throws(() => generateAcousticClip({ machineType: 'slider' as 'fan', instanceId: 0, seed: 1, clipIndex: 0, snrDb: 0 }), DataOptionsError);
  assert.throws(() => generateAcousticClip({ machineType: 'fan', instanceId: 0, seed: 1, clipIndex: 0, snrDb: 0, anomaly: { kind: 'leak', severity: 2 } }), DataOptionsError);
});
