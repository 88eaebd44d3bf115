import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../data/seeded-random.js';
import { BaselineError, baselineShape, checkBaselineSpec, type BaselineSpec } from './baseline-spec.js';
import { fitDeviceThreshold, sharedThresholdFloor, standardNormalQuantile } from './device-threshold.js';
import { fitBaseline, heldOutLogDistances, subspaceDistance } from './fit-baseline.js';
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

/** A 6 × 8 "camera" whose frames vary along two planted directions plus per-pixel noise. */
const camera: BaselineSpec = {
  method: 'subspace', embedding: 48, components: 2, noiseFloor: 0.01, frames: 80,
  distance: { height: 6, width: 8, pool: 3, top: 4 },
  threshold: { framesPerDay: 100, falseAlarmsPerDay: 5, priorSpread: 0.1, priorWeight: 8, logDistanceAtThreshold: 0.3 },
};

function cameraFrames(n: number, seed: number): Float32Array[] {
  const r = new SeededRandom(seed);
  const d = camera.embedding;
  return Array.from({ length: n }, () => {
    const load = r.gaussian(0, 3);
    const ambient = r.gaussian(0, 1);
    return Float32Array.from({ length: d }, (_, j) => 30 + (j % 8) * 0.5 + load * (j < 24 ? 0.2 : 0) + ambient * 0.14 + r.gaussian(0, 0.3 + (j % 5) * 0.05));
  });
}

test('a subspace baseline with a threshold keeps mean and directions and scales the spread row by one factor', () => {
  const frames = cameraFrames(80, 11);
  const { threshold, distance, ...plain } = camera;
  void threshold;
  void distance;
  const without = fitBaseline(plain, frames);
  const withOwn = fitBaseline(camera, frames);
  const d = camera.embedding;
  assert.deepEqual(Array.from(withOwn.subarray(0, 3 * d)), Array.from(without.subarray(0, 3 * d)));
  const factors = Array.from({ length: d }, (_, j) => withOwn[3 * d + j]! / without[3 * d + j]!);
  for (const f of factors) assert.ok(Math.abs(f - factors[0]!) < 1e-5 * factors[0]!, `one factor for every pixel: ${f} vs ${factors[0]}`);
  assert.notEqual(factors[0], 1);
});

test('a camera threshold fitted on its own enrollment frames gives about the target false-alarm rate on its later healthy frames', () => {
  // Target: 5 false alarms in 100 frames (5 %), measurable with a few thousand frames.
  const d = camera.embedding;
  const baseline = fitBaseline(camera, cameraFrames(80, 21));
  const fresh = cameraFrames(4000, 22);
  const above = fresh.filter((f) => Math.log(subspaceDistance(camera, camera.distance!, baseline, f)) > camera.threshold!.logDistanceAtThreshold!).length / fresh.length;
  assert.ok(above > 0.02 && above < 0.1, `false-alarm rate ${above} for a 5 % target`);
  // A stricter target (1 in 100) moves the threshold up: fewer healthy frames above it.
  const strict = fitBaseline(camera, cameraFrames(80, 21), { threshold: { falseAlarmsPerDay: 1, framesPerDay: 100 } });
  const strictAbove = fresh.filter((f) => Math.log(subspaceDistance(camera, camera.distance!, strict, f)) > camera.threshold!.logDistanceAtThreshold!).length / fresh.length;
  assert.ok(strictAbove < above && strictAbove < 0.04, `1 % target: ${strictAbove}`);
  assert.equal(baseline.length, 4 * d);
});

test('a camera enrolled on a narrow load range gets the shared floor, not a threshold too tight for its later frames', () => {
  // Enrollment sees a tenth of the load swing the camera shows later: its own Gaussian tail is too tight.
  const frames = (n: number, seed: number, loadSd: number): Float32Array[] => {
    const r = new SeededRandom(seed);
    return Array.from({ length: n }, () => {
      const load = r.gaussian(0, loadSd);
      return Float32Array.from({ length: camera.embedding }, (_, j) => 30 + load * (j < 24 ? 0.2 : 0) + load * load * (j % 3 === 0 ? 0.05 : 0) + r.gaussian(0, 0.3));
    });
  };
  const enrollment = frames(80, 41, 0.3);
  const later = frames(4000, 42, 3);
  // As if validation cameras measured after their enrollment put 90 % of healthy frames below ln distance 1.2.
  const floored = { ...camera, threshold: { ...camera.threshold!, logDistanceAtThreshold: 1.2, sharedQuantile: 0.9 } };
  const target = { falseAlarmsPerDay: 1, framesPerDay: 100 };
  const floor = sharedThresholdFloor(floored.threshold, target);
  // The shared point moved to the stricter target along the prior spread.
  assert.ok(Math.abs(floor - (1.2 + 0.1 * (standardNormalQuantile(0.99) - standardNormalQuantile(0.9)))) < 1e-12);
  const own = fitDeviceThreshold(camera.threshold!, heldOutLogDistances(camera, enrollment), target);
  assert.ok(own.center < floor, `the narrow enrollment's own threshold ${own.center} is below the floor ${floor}`);
  // The floor sits at score 0.5: the spread row is scaled by exp(floor − logDistanceAtThreshold).
  const d = camera.embedding;
  const plain = fitBaseline({ ...camera, threshold: undefined }, enrollment);
  const scaled = fitBaseline(floored, enrollment, { threshold: target });
  assert.ok(Math.abs(scaled[3 * d]! / plain[3 * d]! - Math.exp(floor - 1.2)) < 1e-5);
  const above = (spec: BaselineSpec): number => {
    const baseline = fitBaseline(spec, enrollment, { threshold: target });
    return later.filter((f) => Math.log(subspaceDistance(spec, spec.distance!, baseline, f)) > spec.threshold!.logDistanceAtThreshold!).length / later.length;
  };
  const withFloor = above(floored);
  const withoutFloor = above(camera);
  assert.ok(withFloor < 0.1 && withoutFloor > 0.3, `later healthy frames above: with the floor ${withFloor}, without ${withoutFloor}`);
  // A threshold above the floor is the camera's own: the floor changes nothing there.
  const wide = cameraFrames(80, 21);
  const lowFloor = { ...camera, threshold: { ...camera.threshold!, sharedQuantile: 0.9 } };
  assert.ok(fitDeviceThreshold(camera.threshold!, heldOutLogDistances(camera, wide), target).center > sharedThresholdFloor(lowFloor.threshold, target));
  assert.deepEqual(Array.from(fitBaseline(lowFloor, wide, { threshold: target })), Array.from(fitBaseline(camera, wide, { threshold: target })));
  assert.throws(() => checkBaselineSpec({ ...floored, threshold: { ...floored.threshold, sharedQuantile: 1 } }), /sharedQuantile/);
});

test('held-out distances are larger than in-sample ones (a sample does not judge the subspace it helped fit)', () => {
  const frames = cameraFrames(80, 31);
  const baseline = fitBaseline({ ...camera, threshold: undefined }, frames);
  const inSample = frames.map((f) => Math.log(subspaceDistance(camera, camera.distance!, baseline, f)));
  const held = heldOutLogDistances(camera, frames);
  const mean = (v: number[]): number => v.reduce((a, x) => a + x, 0) / v.length;
  assert.ok(mean(held) > mean(inSample), `held-out ${mean(held)} vs in-sample ${mean(inSample)}`);
});

test('a subspace threshold needs the distance spec, its ln distance at score 0.5 and enough frames', () => {
  const { distance, ...noDistance } = camera;
  void distance;
  assert.throws(() => checkBaselineSpec(noDistance), /baseline\.distance must be an object/);
  assert.throws(() => checkBaselineSpec({ ...camera, threshold: { ...camera.threshold, logDistanceAtThreshold: undefined } }), /logDistanceAtThreshold/);
  assert.throws(() => checkBaselineSpec({ ...camera, distance: { height: 5, width: 8, pool: 3, top: 4 } }), /not the embedding's 48/);
  assert.throws(() => checkBaselineSpec({ ...camera, frames: 4 }), /components \+ 3/);
  assert.doesNotThrow(() => checkBaselineSpec(camera));
});
