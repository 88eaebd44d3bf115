import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs } from './backoff.js';

test('backoff grows exponentially with jitter inside [exp/2, exp] and stops at maxMs', () => {
  const policy = { baseMs: 100, maxMs: 1_000 };
  assert.equal(backoffDelayMs(1, policy, () => 0), 50);
  assert.equal(backoffDelayMs(1, policy, () => 0.999_999), 100);
  assert.equal(backoffDelayMs(3, policy, () => 0), 200);
  assert.equal(backoffDelayMs(10, policy, () => 0.999_999), 1_000);
});
