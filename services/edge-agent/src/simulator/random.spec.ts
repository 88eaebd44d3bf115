import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32, normal } from './random.js';

describe('mulberry32', () => {
  it('yields the same sequence for the same seed and a different one for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 100 }, a);
    assert.deepEqual(seqA, Array.from({ length: 100 }, b));
    assert.notDeepEqual(seqA, Array.from({ length: 100 }, c));
  });

  it('stays in [0, 1) with a mean near one half', () => {
    const r = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = r();
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
});

describe('deriveSeed', () => {
  it('gives distinct streams per label and is stable', () => {
    assert.equal(deriveSeed(1, 'sim-001'), deriveSeed(1, 'sim-001'));
    assert.notEqual(deriveSeed(1, 'sim-001'), deriveSeed(1, 'sim-002'));
    assert.notEqual(deriveSeed(1, 'sim-001'), deriveSeed(2, 'sim-001'));
  });
});

describe('normal', () => {
  it('draws with roughly the requested mean and spread', () => {
    const r = mulberry32(3);
    const xs = Array.from({ length: 20_000 }, () => normal(r, 5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean - 5) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
  });
});
