import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import { MicroBatcher } from './micro-batcher.js';

test('flushes a full batch at once and a partial one when the wait expires', async () => {
  const clock = new ManualClock(0);
  const batches: number[][] = [];
  const b = new MicroBatcher<number>({ maxSize: 3, maxWaitMs: 10, clock, flush: async (items) => void batches.push([...items]), onError: (err) => assert.fail(String(err)) });
  [1, 2, 3, 4].forEach((i) => b.add(i));
  await b.drain();
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
  b.add(5);
  assert.equal(b.size, 1);
  clock.advance(10);
  await b.drain();
  assert.deepEqual(batches.at(-1), [5]);
});

test('items that arrive during a flush form the next batch, one flush at a time, in order', async () => {
  let release!: () => void;
  let running = 0;
  const batches: number[][] = [];
  const b = new MicroBatcher<number>({
    maxSize: 10,
    maxWaitMs: 1_000,
    clock: new ManualClock(0),
    flush: async (items) => {
      assert.equal(++running, 1, 'never two flushes at once');
      batches.push([...items]);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      running--;
    },
    onError: (err) => assert.fail(String(err)),
  });
  for (let i = 0; i < 10; i++) b.add(i);
  for (let i = 10; i < 15; i++) b.add(i);
  release();
  await b.drain();
  assert.deepEqual(batches, [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]);
});

test('a failing flush is reported and does not stop later batches', async () => {
  const errors: unknown[] = [];
  const seen: number[] = [];
  const b = new MicroBatcher<number>({
    maxSize: 1,
    maxWaitMs: 1,
    clock: new ManualClock(0),
    flush: async ([x]) => {
      if (x === 1) throw new Error('boom');
      seen.push(x!);
    },
    onError: (err) => errors.push(err),
  });
  [1, 2].forEach((i) => b.add(i));
  await b.drain();
  assert.equal(errors.length, 1);
  assert.deepEqual(seen, [2]);
});

test('with concurrency 2 a full batch starts while the previous flush runs, never more than two at once', async () => {
  const clock = new ManualClock(0);
  const releases: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  const batches: number[][] = [];
  const b = new MicroBatcher<number>({
    maxSize: 2,
    maxWaitMs: 1_000,
    concurrency: 2,
    clock,
    flush: async (items) => {
      peak = Math.max(peak, ++running);
      batches.push([...items]);
      await new Promise<void>((r) => releases.push(r));
      running--;
    },
    onError: (err) => assert.fail(String(err)),
  });
  for (let i = 0; i < 7; i++) b.add(i);
  assert.deepEqual(batches, [[0, 1], [2, 3]], 'two full batches in flight, the rest waits');
  releases.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches.at(-1), [4, 5], 'a freed slot takes the next full batch at once');
  releases.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(batches.length, 3, 'a partial batch waits for maxWaitMs while another flush runs');
  clock.advance(1_000);
  assert.deepEqual(batches.at(-1), [6]);
  while (releases.length > 0) releases.shift()!();
  await b.drain();
  assert.equal(peak, 2);
});
