import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FramePolicy } from './frame-policy.js';

const f = (n: number) => new Uint8Array([n]);
const ids = (frames: Uint8Array[]) => frames.map((x) => x[0]);

describe('FramePolicy', () => {
  it('keeps every frame while connected, whatever the mode', () => {
    const p = new FramePolicy({ mode: 'anomaly', sampleEvery: 10, context: 2 });
    assert.deepEqual(ids(p.admit('acoustic', f(1), false, true)), [1]);
  });

  it('offline in anomaly mode keeps the frames around an anomaly and counts the rest as skipped', () => {
    const p = new FramePolicy({ mode: 'anomaly', sampleEvery: 1, context: 2 });
    const kept = [1, 2, 3, 4].flatMap((n) => ids(p.admit('thermal', f(n), false, false)));
    assert.deepEqual(kept, []);
    assert.deepEqual(ids(p.admit('thermal', f(5), true, false)), [3, 4, 5]);
    assert.deepEqual([6, 7, 8].flatMap((n) => ids(p.admit('thermal', f(n), false, false))), [6, 7]);
    assert.equal(p.skipped, 2);
  });

  it('offline in sampled mode keeps one frame in N', () => {
    const p = new FramePolicy({ mode: 'sampled', sampleEvery: 3, context: 0 });
    const kept = [1, 2, 3, 4, 5, 6, 7].flatMap((n) => ids(p.admit('acoustic', f(n), false, false)));
    assert.deepEqual(kept, [1, 4, 7]);
  });
});
