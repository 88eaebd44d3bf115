import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../data/seeded-random.js';
import { BaselineError, baselineShape, checkBaselineSpec, type BaselineSpec } from './baseline-spec.js';
import { fitBaseline } from './fit-baseline.js';
import { enrollmentDecision, fleetFindsAnomalous } from './enrollment-policy.js';

const subspace: BaselineSpec = { method: 'subspace', embedding: 40, components: 2, noiseFloor: 0.01, frames: 60 };

/** Samples = mean + a·u + b·w + small noise, with u, w fixed orthonormal directions. */
function planted(n: number, noise: number): { samples: Float32Array[]; mean: number[]; u: number[]; w: number[] } {
  const r = new SeededRandom(7);
  const d = subspace.embedding;
  const mean = Array.from({ length: d }, (_, j) => 20 + j * 0.1);
  const u = Array.from({ length: d }, (_, j) => (j < 20 ? 1 : 0) / Math.sqrt(20));
  const w = Array.from({ length: d }, (_, j) => (j >= 20 ? 1 : 0) / Math.sqrt(20));
  const samples = Array.from({ length: n }, () => {
    const a = r.gaussian(0, 5);
    const b = r.gaussian(0, 2);
    return Float32Array.from({ length: d }, (_, j) => mean[j]! + a * u[j]! + b * w[j]! + r.gaussian(0, noise));
  });
  return { samples, mean, u, w };
}

test('a mean baseline is the average embedding', () => {
  const spec: BaselineSpec = { method: 'mean', embedding: 3, frames: 2 };
  const out = fitBaseline(spec, [Float32Array.of(1, 2, 3), Float32Array.of(3, 4, 5)]);
  assert.deepEqual(Array.from(out), [2, 3, 4]);
  assert.deepEqual(baselineShape(spec), [1, 3]);
});

test('a subspace baseline recovers the directions healthy samples vary along and the noise left', () => {
  const { samples, mean, u, w } = planted(60, 0.1);
  const out = fitBaseline(subspace, samples);
  const d = subspace.embedding;
  assert.equal(out.length, 4 * d);
  for (let j = 0; j < d; j++) assert.ok(Math.abs(out[j]! - mean[j]!) < 1, `mean[${j}]`);
  const dot = (row: number, v: number[]): number => v.reduce((s, x, j) => s + x * out[row * d + j]!, 0);
  // The larger variance (σ 5 along u) comes first; signs are fixed, so compare magnitudes.
  assert.ok(Math.abs(dot(1, u)) > 0.99, `first direction · u = ${dot(1, u)}`);
  assert.ok(Math.abs(dot(2, w)) > 0.99, `second direction · w = ${dot(2, w)}`);
  for (let j = 0; j < d; j++) {
    const spread = out[3 * d + j]!;
    assert.ok(spread > 0.07 && spread < 0.14, `spread[${j}] = ${spread} (noise 0.1 + floor 0.01)`);
  }
});

test('the same samples always give the same baseline', () => {
  const { samples } = planted(30, 0.2);
  const a = fitBaseline({ ...subspace, frames: 30 }, samples);
  const b = fitBaseline({ ...subspace, frames: 30 }, samples.map((s) => Float32Array.from(s)));
  assert.deepEqual(Array.from(a), Array.from(b));
});

test('refuses too few samples, a wrong embedding length and values that are not finite', () => {
  const { samples } = planted(10, 0.1);
  assert.throws(() => fitBaseline(subspace, samples.slice(0, 3)), BaselineError);
  assert.throws(() => fitBaseline(subspace, [...samples.slice(0, 9), new Float32Array(5)]), /embedding has 5 values/);
  const bad = Float32Array.from(samples[0]!);
  bad[3] = Number.NaN;
  assert.throws(() => fitBaseline(subspace, [...samples.slice(1), bad]), /not finite/);
});

test('checkBaselineSpec names the field that is wrong', () => {
  assert.throws(() => checkBaselineSpec({ method: 'median', embedding: 3, frames: 4 }), /baseline.method/);
  assert.throws(() => checkBaselineSpec({ method: 'mean', embedding: 0, frames: 4 }), /baseline.embedding/);
  assert.throws(() => checkBaselineSpec({ method: 'subspace', embedding: 3, frames: 3, components: 2, noiseFloor: 0.1 }), /must exceed components/);
  assert.throws(() => checkBaselineSpec({ method: 'subspace', embedding: 3, frames: 8, components: 2 }), /noiseFloor/);
  assert.deepEqual(checkBaselineSpec(subspace), subspace);
});

test('commissioning enrollment takes every spaced sample whatever the fleet says', () => {
  const policy = { maxFleetScore: 0.5, minIntervalMs: 1000 };
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.99, at: 0 }, undefined), 'accepted');
  assert.equal(enrollmentDecision({ ...policy, gate: 'commissioning' }, { fleetScore: Number.NaN, at: 5000 }, 0), 'accepted');
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.99, at: 999 }, 0), 'too_soon');
  assert.equal(fleetFindsAnomalous(policy, 0.99), true, 'the fleet opinion is still told');
  assert.equal(fleetFindsAnomalous(policy, 0.2), false);
});

test('the fleet gate skips samples the fleet model finds anomalous and samples taken too soon', () => {
  const policy = { gate: 'fleet' as const, maxFleetScore: 0.5, minIntervalMs: 1000 };
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.2, at: 0 }, undefined), 'accepted');
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.7, at: 5000 }, 0), 'fleet_anomalous');
  assert.equal(enrollmentDecision(policy, { fleetScore: Number.NaN, at: 5000 }, 0), 'fleet_anomalous');
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.1, at: 999 }, 0), 'too_soon');
  assert.equal(enrollmentDecision(policy, { fleetScore: 0.1, at: 1000 }, 0), 'accepted');
});
