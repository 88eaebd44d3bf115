import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { devicePartition } from './device-partition.js';

describe('devicePartition', () => {
  it('puts a device in the same partition every time, within range', () => {
    for (const count of [1, 2, 7, 64]) {
      for (let i = 0; i < 200; i++) {
        const p = devicePartition({ site: 's1', device: `d-${i}` }, count);
        assert.ok(Number.isInteger(p) && p >= 0 && p < count);
        assert.equal(devicePartition({ site: 's1', device: `d-${i}` }, count), p);
      }
    }
  });

  it('spreads a fleet over the partitions', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) counts[devicePartition({ site: `site-${i % 7}`, device: `pump-${i}` }, 4)]!++;
    // Uniform would be 1,000 each; FNV-1a over these names stays well within ±20 %.
    for (const n of counts) assert.ok(n > 800 && n < 1_200, `partition sizes ${counts.join(', ')}`);
  });
});
