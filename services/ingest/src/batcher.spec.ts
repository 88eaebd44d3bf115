import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('flushes when the batch is full', async () => {
    const flushed: number[][] = [];
    const b = new Batcher<number>({ maxSize: 3, maxWaitMs: 1_000, clock: new ManualClock(0), flush: async (items) => void flushed.push([...items]), onError: () => {} });
    for (const n of [1, 2, 3, 4]) b.add(n);
    await b.drain();
    assert.deepEqual(flushed, [[1, 2, 3], [4]]);
  });

  it('flushes a partial batch after maxWaitMs and not before', async () => {
    const clock = new ManualClock(0);
    const flushed: number[][] = [];
    const b = new Batcher<number>({ maxSize: 10, maxWaitMs: 50, clock, flush: async (items) => void flushed.push([...items]), onError: () => {} });
    b.add(1);
    await clock.advanceAsync(49);
    assert.equal(flushed.length, 0);
    await clock.advanceAsync(1);
    assert.deepEqual(flushed, [[1]]);
  });

  it('with flushWhenIdle, flushes at once when idle and batches what arrives during a flush', async () => {
    const clock = new ManualClock(0);
    const flushed: number[][] = [];
    const gates: Array<() => void> = [];
    const b = new Batcher<number>({
      maxSize: 10,
      maxWaitMs: 50,
      flushWhenIdle: true,
      clock,
      flush: async (items) => {
        flushed.push([...items]);
        await new Promise<void>((r) => gates.push(r));
      },
      onError: () => {},
    });
    b.add(1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(flushed, [[1]], 'no wait for maxWaitMs while idle');
    b.add(2);
    b.add(3);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(flushed, [[1]], 'a flush is under way: the next items wait for it');
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(flushed, [[1], [2, 3]]);
    gates.shift()!();
    await b.drain();
  });

  it('reports a flush that rejects with its items, which then no longer count, and carries on', async () => {
    const flushed: number[][] = [];
    const abandoned: number[][] = [];
    let failures = 1;
    const b = new Batcher<number>({
      maxSize: 2,
      maxWaitMs: 10,
      clock: new ManualClock(0),
      flush: async (items) => {
        if (failures-- > 0) throw new Error('abandoned');
        flushed.push([...items]);
      },
      onError: (_err, items) => abandoned.push([...items]),
    });
    for (const n of [1, 2, 3]) b.add(n);
    await b.drain();
    assert.deepEqual(abandoned, [[1, 2]]);
    assert.deepEqual(flushed, [[3]]);
    assert.equal(b.size, 0);
  });

  it('runs at most `concurrency` flushes at once and loses nothing', async () => {
    let running = 0;
    let peak = 0;
    const flushed: number[] = [];
    const gates: Array<() => void> = [];
    const b = new Batcher<number>({
      maxSize: 2,
      maxWaitMs: 10,
      concurrency: 2,
      clock: new ManualClock(0),
      flush: async (items) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        flushed.push(...items);
        running--;
      },
      onError: () => {},
    });
    for (let n = 1; n <= 7; n++) b.add(n);
    const drained = b.drain();
    while (flushed.length < 7) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    await drained;
    assert.equal(peak, 2);
    assert.deepEqual([...flushed].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(b.size, 0);
  });
});
