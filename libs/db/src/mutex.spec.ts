import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mutex } from './mutex.js';

test('grants the lock in request order, one holder at a time', async () => {
  const mutex = new Mutex();
  const order: string[] = [];
  let holders = 0;
  const work = async (name: string, ms: number) => {
    const release = await mutex.lock();
    holders += 1;
    assert.equal(holders, 1);
    order.push(name);
    await new Promise((r) => setTimeout(r, ms));
    holders -= 1;
    release();
  };
  await Promise.all([work('a', 10), work('b', 1), work('c', 5)]);
  assert.deepEqual(order, ['a', 'b', 'c']);
});

test('releasing twice does not let two holders in', async () => {
  const mutex = new Mutex();
  const first = await mutex.lock();
  const second = mutex.lock();
  const third = mutex.lock();
  first();
  first();
  const releaseSecond = await second;
  let thirdIn = false;
  void third.then(() => (thirdIn = true));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(thirdIn, false);
  releaseSecond();
  await third;
});
