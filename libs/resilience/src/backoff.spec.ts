import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, noJitter } from './backoff.js';

test('backoff grows exponentially with jitter inside [exp/2, exp] and stops at maxMs', () => {
  const policy = { baseMs: 100, maxMs: 1_000 };
  assert.equal(backoffDelayMs(1, policy, () => 0), 50);
  assert.equal(backoffDelayMs(1, policy, () => 0.999_999), 100);
  assert.equal(backoffDelayMs(3, policy, () => 0), 200);
  assert.equal(backoffDelayMs(10, policy, () => 0.999_999), 1_000);
});

test('without jitter every delay is the full step: base, doubling, capped', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };
  assert.deepEqual([1, 2, 3, 6, 7, 50].map((attempt) => backoffDelayMs(attempt, policy, noJitter)), [1_000, 2_000, 4_000, 32_000, 60_000, 60_000]);
});
