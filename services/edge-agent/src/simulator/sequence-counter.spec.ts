import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceCounter } from './sequence-counter.js';

describe('SequenceCounter', () => {
  it('counts up from the configured start', () => {
    const c = new SequenceCounter(10);
    assert.deepEqual([c.next(), c.next(), c.next()], [10, 11, 12]);
    assert.equal(c.peek(), 13);
  });

  it('wraps from 4294967295 to 0', () => {
    const c = new SequenceCounter(0xffff_fffe);
    assert.deepEqual([c.next(), c.next(), c.next(), c.next()], [0xffff_fffe, 0xffff_ffff, 0, 1]);
  });

  it('rejects a start outside uint32', () => {
    assert.throws(() => new SequenceCounter(-1), RangeError);
    assert.throws(() => new SequenceCounter(2 ** 32), RangeError);
    assert.throws(() => new SequenceCounter(1.5), RangeError);
  });
});
