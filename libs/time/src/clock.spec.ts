import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, every, sleep } from './clock.js';
import { ManualClock } from './manual-clock.js';

test('fires due timers earliest first, ties in the order they were set, with now() at each due time', () => {
  const clock = new ManualClock(0);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
  const cancelled = clock.setTimeout(() => seen.push('never'), 5);
  clock.clearTimeout(cancelled);
  clock.advance(15);
  assert.deepEqual(seen, ['a@10']);
  assert.equal(clock.now(), 15);
  clock.advance(100);
  assert.deepEqual(seen, ['a@10', 'b@20', 'c@20']);
  assert.equal(clock.pending, 0);
});

test('a timer set by a firing timer fires in the same advance when it falls due', () => {
  const clock = new ManualClock(0);
  const seen: number[] = [];
  clock.setTimeout(() => clock.setTimeout(() => seen.push(clock.now()), 5), 10);
  clock.advance(20);
  assert.deepEqual(seen, [15]);
});

test('advanceAsync lets awaited work between timers finish before the next timer', async () => {
  const clock = new ManualClock(0);
  const seen: string[] = [];
  after(clock, 10, () => void Promise.resolve().then(() => seen.push('continuation of 10')));
  after(clock, 20, () => seen.push('timer 20'));
  await clock.advanceAsync(30);
  assert.deepEqual(seen, ['continuation of 10', 'timer 20']);
});

test('sleep resolves when the clock passes the delay, at once for zero', async () => {
  const clock = new ManualClock(0);
  let woke = false;
  void sleep(clock, 50).then(() => (woke = true));
  await clock.advanceAsync(49);
  assert.equal(woke, false);
  await clock.advanceAsync(1);
  assert.equal(woke, true);
  await sleep(clock, 0);
});

test('every ticks on schedule from its first delay and stops when cancelled', () => {
  const clock = new ManualClock(0);
  const ticks: number[] = [];
  const cancel = every(clock, 100, () => ticks.push(clock.now()), 0);
  clock.advance(250);
  assert.deepEqual(ticks, [0, 100, 200]);
  cancel();
  clock.advance(1_000);
  assert.deepEqual(ticks, [0, 100, 200]);
});
