import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WindowRing } from './window-ring.js';

describe('WindowRing', () => {
  it('hands out the last steps rows of the picked columns, oldest first, once full; a reset waits for a full window again', () => {
    const ring = new WindowRing(3, 2);
    const row = (i: number) => [i, 100 + i, 200 + i];
    const picked = [2, 0];
    assert.equal(ring.push(row(0), picked), undefined);
    assert.equal(ring.push(row(1), picked), undefined);
    assert.deepEqual([...ring.push(row(2), picked)!], [200, 0, 201, 1, 202, 2]);
    const w3 = ring.push(row(3), picked)!;
    assert.deepEqual([...w3], [201, 1, 202, 2, 203, 3], 'wraps around the ring');
    assert.deepEqual([...ring.push(row(4), picked)!], [202, 2, 203, 3, 204, 4]);
    assert.deepEqual([...w3], [201, 1, 202, 2, 203, 3], 'a window handed out is not overwritten by later rows');
    ring.reset();
    assert.equal(ring.push(row(5), picked), undefined);
    assert.equal(ring.push(row(6), picked), undefined);
    assert.deepEqual([...ring.push(row(7), picked)!], [205, 5, 206, 6, 207, 7]);
    assert.deepEqual([...new WindowRing(1, 3).push(row(9))!], [9, 109, 209], 'without columns: the row as it is');
  });
});
