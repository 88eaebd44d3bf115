import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

const options: LoginThrottleOptions = { usernameFreeFailures: 2, addressFreeFailures: 4, baseLockoutMs: 1_000, maxLockoutMs: 8_000, forgetAfterMs: 60_000, maxKeys: 1_000 };

test('locks a username out after its free failures, doubling up to the cap', () => {
  const clock = new ManualClock(1_000_000);
  const t = new LoginThrottle(options, clock);
  const lockouts: number[] = [];
  for (let i = 0; i < 7; i++) {
    assert.equal(t.lockedOut('plant-1/pump-7', `10.0.0.${i}`), undefined, `attempt ${i} is checked`);
    const started = t.failed('plant-1/pump-7', `10.0.0.${i}`);
    lockouts.push(started.find((s) => s.key === 'username')?.retryInMs ?? 0);
    const locked = t.lockedOut('plant-1/pump-7', '10.9.9.9');
    if (locked) clock.advance(locked.retryInMs);
  }
  assert.deepEqual(lockouts, [0, 0, 1_000, 2_000, 4_000, 8_000, 8_000]);
});

test('locks an address out across usernames, with its own allowance', () => {
  const clock = new ManualClock(1_000_000);
  const t = new LoginThrottle(options, clock);
  for (let i = 0; i < 4; i++) t.failed(`s/d${i}`, '10.0.0.1');
  assert.equal(t.lockedOut('s/other', '10.0.0.1'), undefined);
  t.failed('s/d4', '10.0.0.1');
  assert.deepEqual(t.lockedOut('s/other', '10.0.0.1'), { key: 'address', retryInMs: 1_000 });
  assert.equal(t.lockedOut('s/other', '10.0.0.2'), undefined, 'other addresses are not affected');
  clock.advance(1_000);
  assert.equal(t.lockedOut('s/other', '10.0.0.1'), undefined, 'the lockout ends');
});

test('a success clears the username but not the address; quiet keys are forgotten', () => {
  const clock = new ManualClock(1_000_000);
  const t = new LoginThrottle(options, clock);
  t.failed('s/d', '10.0.0.1');
  t.failed('s/d', '10.0.0.1');
  t.succeeded('s/d');
  assert.deepEqual(t.failed('s/d', '10.0.0.1'), [], 'the username starts from zero after a success');
  t.failed('s/e', '10.0.0.1');
  assert.deepEqual(t.failed('s/f', '10.0.0.1'), [{ key: 'address', retryInMs: 1_000 }], 'the address kept counting');
  clock.advance(60_001);
  assert.deepEqual(t.failed('s/g', '10.0.0.1'), [], 'a minute of quiet and the address starts over');
});

test('remembers at most maxKeys keys', () => {
  const t = new LoginThrottle({ ...options, maxKeys: 10 }, new ManualClock(1_000_000));
  for (let i = 0; i < 100; i++) t.failed(`s/d${i}`, '10.0.0.1');
  assert.ok(t.size <= 11, `size ${t.size}`);
});
