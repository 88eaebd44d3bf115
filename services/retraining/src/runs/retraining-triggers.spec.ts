import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import type { RunRequest } from './retraining-runner.js';
import { RetrainingTriggers, type TriggerPorts } from './retraining-triggers.js';

const logger = createLogger({ service: 'triggers-spec', level: 'silent' });

/** Samples stored at given times, runs recorded when started (a run starts "now"). */
function ports(clock: ManualClock) {
  const samples: number[] = [];
  const runs: (RunRequest & { at: number })[] = [];
  const p: TriggerPorts = {
    countSince: async (_kind, since) => samples.filter((t) => since === undefined || t > since.getTime()).length,
    lastStart: async () => (runs.length ? new Date(runs.at(-1)!.at) : undefined),
    run: async (req) => (runs.push({ ...req, at: clock.now() }), { run: { id: runs.length } }),
  };
  return { p, samples, runs };
}

test('starts a run once the threshold of new labelled samples since the last run is reached, and not again until it is reached anew', async () => {
  const clock = new ManualClock();
  const { p, samples, runs } = ports(clock);
  const triggers = new RetrainingTriggers(p, { kinds: ['thermal'], threshold: 3, schedule: undefined, checkMs: 1_000 }, clock, logger);
  samples.push(clock.now(), clock.now());
  assert.deepEqual(await triggers.check(), []);
  clock.advance(10);
  samples.push(clock.now());
  assert.deepEqual(await triggers.check(), [1]);
  assert.equal(runs[0]!.trigger, 'threshold');
  assert.match(runs[0]!.reason, /3 new labelled thermal samples since the last run \(threshold 3\)/);
  clock.advance(10);
  samples.push(clock.now(), clock.now());
  assert.deepEqual(await triggers.check(), [], 'two new samples since the run are not enough');
});

test('starts a scheduled run at each time of the cron expression (UTC)', async () => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1, 2, 0));
  const { p, runs } = ports(clock);
  const triggers = new RetrainingTriggers(p, { kinds: ['thermal'], threshold: 0, schedule: '0 3 * * *', checkMs: 60_000 }, clock, logger);
  assert.deepEqual(await triggers.check(), []);
  clock.advance(59 * 60_000);
  assert.deepEqual(await triggers.check(), []);
  clock.advance(60_000);
  assert.deepEqual(await triggers.check(), [1]);
  assert.equal(runs[0]!.trigger, 'schedule');
  clock.advance(60_000);
  assert.deepEqual(await triggers.check(), [], 'the next one is tomorrow at 03:00');
  clock.advance(24 * 3_600_000);
  assert.deepEqual(await triggers.check(), [2]);
});

test('a drifting device starts a run of its kind with the reason; while it runs, more drift starts none (the lease); an untrainable kind is ignored', async () => {
  const clock = new ManualClock();
  const { p, runs } = ports(clock);
  let running = false;
  const leased: TriggerPorts = {
    ...p,
    run: async (req) => {
      if (running) return { refused: 'running', running: { id: 1 } as never };
      running = true;
      return p.run(req);
    },
  };
  const triggers = new RetrainingTriggers(leased, { kinds: ['thermal'], threshold: 0, schedule: undefined, checkMs: 1_000 }, clock, logger);
  assert.equal(await triggers.drifted('thermal', 'plant-1/cam-3 PSI 0.61'), 1);
  assert.deepEqual([runs[0]!.kind, runs[0]!.trigger, runs[0]!.reason], ['thermal', 'drift', 'drift: plant-1/cam-3 PSI 0.61']);
  assert.equal(await triggers.drifted('thermal', 'plant-1/cam-4 PSI 0.4'), undefined, 'a second drifting device while the run holds the lease');
  assert.equal(await triggers.drifted('acoustic', 'plant-1/mic-1 PSI 0.5'), undefined, 'acoustic runs do not exist yet');
  assert.equal(runs.length, 1);
});
