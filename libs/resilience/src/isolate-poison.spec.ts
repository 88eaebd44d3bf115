import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import { isolatePoison } from './isolate-poison.js';
import { AbandonedError, persistIsolating } from './persist-isolating.js';

const refused = () => Object.assign(new Error('invalid input syntax'), { code: '22P02' });
const down = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A store that refuses any part containing a bad item, and records what it stored. */
function store(bad: ReadonlySet<number>) {
  const stored: number[] = [];
  let writes = 0;
  return {
    stored,
    writes: () => writes,
    write: async (part: readonly number[]) => {
      writes++;
      if (part.some((n) => bad.has(n))) throw refused();
      stored.push(...part);
    },
  };
}

describe('isolatePoison', () => {
  it('finds the one bad item among many and stores all the others, in order', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const s = store(new Set([613]));
    const found = await isolatePoison(items, refused(), s.write);
    assert.deepEqual(found.poisoned.map((p) => p.item), [613]);
    assert.match(String(found.poisoned[0]!.error), /invalid input syntax/);
    assert.deepEqual(s.stored, items.filter((n) => n !== 613));
    assert.deepEqual(found.retry, []);
    assert.ok(s.writes() <= 2 * Math.ceil(Math.log2(1000)), `${s.writes()} writes`);
  });

  it('finds several bad items, and a batch of one is poison at once', async () => {
    const s = store(new Set([0, 5, 6]));
    const found = await isolatePoison([0, 1, 2, 3, 4, 5, 6, 7], refused(), s.write);
    assert.deepEqual(found.poisoned.map((p) => p.item), [0, 5, 6]);
    assert.deepEqual(s.stored, [1, 2, 3, 4, 7]);
    const single = await isolatePoison([9], refused(), s.write);
    assert.deepEqual(single.poisoned.map((p) => p.item), [9]);
  });

  it('hands back parts that fail transiently during the search', async () => {
    let calls = 0;
    const found = await isolatePoison([1, 2, 3, 4], refused(), async (part) => {
      calls++;
      if (calls === 1) throw down();
      if (part.includes(4)) throw refused();
    });
    assert.deepEqual(found.retry, [1, 2]);
    assert.deepEqual(found.poisoned.map((p) => p.item), [4]);
  });
});

describe('persistIsolating', () => {
  const settle = () => new Promise((r) => setImmediate(r));

  it('retries a transient failure with growing, capped delays until it passes, losing nothing', async () => {
    const clock = new ManualClock(0);
    let failures = 4;
    const stored: number[] = [];
    const retries: Array<[number, string]> = [];
    const done = persistIsolating([1, 2, 3], {
      write: async (part) => {
        if (failures-- > 0) throw down();
        stored.push(...part);
      },
      onPoison: () => assert.fail('nothing is poison while the database is down'),
      onRetry: (_err, attempt, kind) => retries.push([attempt, kind]),
      stopped: () => false,
      clock,
      random: () => 1,
      backoff: { baseMs: 100, maxMs: 300 },
    });
    for (const ms of [100, 200, 300, 300]) {
      await settle();
      clock.advance(ms - 1);
      await settle();
      assert.deepEqual(stored, [], `not before ${ms} ms`);
      clock.advance(1);
    }
    await done;
    assert.deepEqual(stored, [1, 2, 3]);
    assert.deepEqual(retries, [[1, 'transient'], [2, 'transient'], [3, 'transient'], [4, 'transient']]);
  });

  it('isolates on a permanent failure at once, and on an unknown one after the allowed tries', async () => {
    const poisoned: number[] = [];
    const s = store(new Set([2]));
    await persistIsolating([1, 2, 3], { write: s.write, onPoison: (p) => void poisoned.push(p.item), stopped: () => false });
    assert.deepEqual([poisoned, s.stored], [[2], [1, 3]]);

    const clock = new ManualClock(0);
    let tries = 0;
    const odd: number[] = [];
    const done = persistIsolating([7], {
      write: async () => {
        tries++;
        throw new TypeError('cannot read properties of undefined');
      },
      onPoison: (p) => void odd.push(p.item),
      stopped: () => false,
      unknownAttempts: 3,
      clock,
    });
    for (let i = 0; i < 3; i++) {
      await settle();
      clock.advance(10_000);
    }
    await done;
    assert.deepEqual([tries, odd], [3, [7]]);
  });

  it('gives up with AbandonedError once its owner stops, settling nothing', async () => {
    const clock = new ManualClock(0);
    let stopped = false;
    const done = persistIsolating([1], { write: async () => Promise.reject(down()), onPoison: () => assert.fail(), stopped: () => stopped, clock });
    await settle();
    stopped = true;
    clock.advance(10_000);
    await assert.rejects(done, AbandonedError);
  });
});
