import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstPassageProbability, normalCdf, normalQuantile } from './first-passage.js';

const close = (actual: number, expected: number, tol = 1e-4) => assert.ok(Math.abs(actual - expected) < tol, `${actual} ≠ ${expected}`);

test('normal helpers agree with the textbook values', () => {
  assert.ok(Math.abs(normalCdf(1.6448536) - 0.95) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536) < 1e-5);
});

test('without drift the probability of touching a level is twice that of ending beyond it (reflection principle)', () => {
  close(firstPassageProbability(1, 0, 1), 2 * (1 - normalCdf(1)));
  close(firstPassageProbability(2, 0, 0.5), 2 * (1 - normalCdf(4)), 1e-6);
});

test('with drift it follows the inverse-Gaussian law, and exceeds the chance of ending beyond the level', () => {
  // a = 1, m = 1, σ = 1: Φ(0) + e²·Φ(−2).
  close(firstPassageProbability(1, 1, 1), 0.5 + Math.exp(2) * (1 - normalCdf(2)));
  // Drifting away: a = 1, m = −1, σ = 1: Φ(−2) + e^−2·Φ(0).
  close(firstPassageProbability(1, -1, 1), 1 - normalCdf(2) + Math.exp(-2) * 0.5);
  for (const m of [-2, -0.5, 0, 0.5, 2]) assert.ok(firstPassageProbability(1, m, 0.7) >= normalCdf((m - 1) / 0.7));
});

test('agrees with a simulated random walk that is watched at every one of its 2,000 steps', () => {
  // Seeded (xorshift + Box–Muller): a = 1, m = 0.6, σ = 0.8 over 2,000 steps, 4,000 paths.
  let state = 0x2545f491;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  const steps = 2000;
  const paths = 4000;
  let hits = 0;
  for (let p = 0; p < paths; p++) {
    let x = 0;
    for (let i = 0; i < steps; i++) {
      x += 0.6 / steps + (0.8 / Math.sqrt(steps)) * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      if (x >= 1) {
        hits++;
        break;
      }
    }
  }
  // Discrete watching misses a few brief touches, so the simulation sits a little below the law.
  const law = firstPassageProbability(1, 0.6, 0.8);
  assert.ok(hits / paths <= law + 0.02 && hits / paths >= law - 0.05, `${hits / paths} vs ${law}`);
});

test('a strong drift toward a far level stays finite and certain; a level already reached is 1', () => {
  const p = firstPassageProbability(100, 200, 0.01);
  assert.ok(Number.isFinite(p));
  close(p, 1);
  close(firstPassageProbability(100, 100, 0.01), 0.5 + (0.01 / 200) / Math.sqrt(2 * Math.PI), 1e-6);
  assert.equal(firstPassageProbability(0, -1, 1), 1);
  assert.equal(firstPassageProbability(1, 0.5, 0), 0);
});
