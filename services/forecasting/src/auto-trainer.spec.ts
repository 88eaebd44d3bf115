import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { AutoTrainer, type AutoTrainDeps } from './auto-trainer.js';

const settings = { intervalMs: 60_000, minPoints: 10, lookbackMs: 86_400_000, concurrency: 1 };

test('stop() lets the training under way finish and starts no other sensor of the pass', async () => {
  const started: string[] = [];
  let release: () => void = () => undefined;
  const deps: AutoTrainDeps = {
    service: {
      model: () => undefined,
      train: async ({ deviceId, sensorKey }) => {
        started.push(`${deviceId}/${sensorKey}`);
        await new Promise<void>((r) => (release = r));
        return { version: 'v', metrics: { chosen: 'persistence', trainSeconds: 0 } } as never;
      },
    },
    readings: { seriesWithHistory: async () => ['a', 'b', 'c'].map((key) => ({ deviceId: 's/d', key, count: 100 })) },
    clock: new ManualClock(0),
    logger: createLogger({ service: 't', level: 'silent' }),
  };
  const trainer = new AutoTrainer(settings, deps);
  const pass = trainer.run();
  while (started.length === 0) await new Promise((r) => setImmediate(r));
  trainer.stop();
  release();
  const report = await pass;
  assert.deepEqual(started, ['s/d/a'], 'no sensor after the stop');
  assert.equal(report.trained.length, 1, 'the training under way is kept');
  assert.equal(report.candidates, 3);
});
