import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom, deriveSeed } from './seeded-random.js';

test('the same seed gives the same stream and a different seed a different one', () => {
  const a = new SeededRandom(123);
  const b = new SeededRandom(123);
  const c = new SeededRandom(124);
  const xs = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('gaussian draws have mean ≈ 0 and standard deviation ≈ 1', () => {
  const r = new SeededRandom(7);
  const n = 20000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const z = r.gaussian();
    sum += z;
    sq += z * z;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(sq / n - mean * mean) - 1) < 0.03);
});

test('derived seeds depend on every part and forks do not depend on draws made before', () => {
  assert.notEqual(deriveSeed(1, 'fan', 0), deriveSeed(1, 'fan', 1));
  assert.notEqual(deriveSeed(1, 'fan', 1), deriveSeed(1, 'pump', 1));
  assert.notEqual(deriveSeed(1, 'a', 12), deriveSeed(1, 'a1', 2));
  const r = new SeededRandom(5);
  const before = r.fork('x').next();
  r.next();
  assert.equal(r.fork('x').next(), before);
});
