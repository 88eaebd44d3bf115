import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { IntervalScheduler } from './interval-scheduler.js';

/** A clock whose timers fire only when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => (timers.set(++next, { at: now + ms, fn }), next),
    clearTimeout: (h) => void timers.delete(h as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) if (t.at <= now) (timers.delete(id), t.fn());
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test('runs the task every interval on the injected clock, never overlapping, and stops', async () => {
  const clock = manualClock();
  let runs = 0;
  let release: () => void = () => undefined;
  const scheduler = new IntervalScheduler(clock, 60_000, () => (runs++, new Promise<void>((r) => (release = r))), createLogger({ service: 't', level: 'silent' }));
  scheduler.start();
  clock.advance(59_999);
  assert.equal(runs, 0);
  clock.advance(1);
  assert.equal(runs, 1);
  clock.advance(120_000);
  assert.equal(runs, 1, 'a slow run delays the next instead of stacking');
  release();
  await flush();
  clock.advance(60_000);
  assert.equal(runs, 2);
  release();
  await scheduler.stop();
  clock.advance(600_000);
  assert.equal(runs, 2);
});
