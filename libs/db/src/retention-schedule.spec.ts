import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { RetentionSchedule } from './retention-schedule.js';

const logger = createLogger({ service: 'spec', level: 'silent' });
const HOUR = 3_600_000;
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function schedule(retentionMs: number, prune: (olderThan: Date) => Promise<number>) {
  const clock = new ManualClock(1_700_000_000_000);
  return { clock, schedule: new RetentionSchedule({ name: 'keys', retentionMs, prune, logger, clock, firstRunMs: 60_000, intervalMs: HOUR }) };
}

describe('RetentionSchedule', () => {
  it('prunes what is older than the retention a minute after start, then every interval', async () => {
    const cuts: number[] = [];
    const { clock, schedule: s } = schedule(48 * HOUR, async (olderThan) => (cuts.push(olderThan.getTime()), 3));
    const start = clock.now();
    s.start();
    clock.advance(59_999);
    await settle();
    assert.deepEqual(cuts, []);
    clock.advance(1);
    await settle();
    clock.advance(HOUR);
    await settle();
    assert.deepEqual(cuts, [start + 60_000 - 48 * HOUR, start + 60_000 + HOUR - 48 * HOUR]);
    await s.stop();
    clock.advance(10 * HOUR);
    await settle();
    assert.equal(cuts.length, 2, 'nothing after stop');
  });

  it('tries again at the next interval after a failed run', async () => {
    let calls = 0;
    const { clock, schedule: s } = schedule(HOUR, async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
      return 0;
    });
    s.start();
    clock.advance(60_000);
    await settle();
    clock.advance(HOUR);
    await settle();
    assert.equal(calls, 2);
    await s.stop();
  });

  it('keeps everything when the retention is 0', async () => {
    let calls = 0;
    const { clock, schedule: s } = schedule(0, async () => (calls++, 0));
    s.start();
    clock.advance(100 * HOUR);
    await settle();
    assert.equal(calls, 0);
    await s.stop();
  });
});
