import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { IntervalScheduler } from './interval-scheduler.js';

const flush = () => new Promise((r) => setImmediate(r));

test('runs the task every interval on the injected clock, never overlapping, and stops', async () => {
  const clock = new ManualClock(0);
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
