import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binCounts, binOf, jensenShannonDistance, populationStabilityIndex, quantileEdges } from './distribution-distance.js';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

test('PSI of halves against quarters is ¼·ln 3 (by hand: (¼−½)·ln ½ + (¾−½)·ln 1.5), 0 for the same shares, whatever the counts', () => {
  close(populationStabilityIndex([0.5, 0.5], [0.25, 0.75]), 0.25 * Math.log(3), 'halves vs quarters');
  close(populationStabilityIndex([500, 500], [25, 75]), 0.25 * Math.log(3), 'counts normalise');
  close(populationStabilityIndex([3, 1, 6], [30, 10, 60]), 0, 'same shares');
  // PSI is symmetric in its two terms: swapping sides gives the same value.
  close(populationStabilityIndex([0.25, 0.75], [0.5, 0.5]), 0.25 * Math.log(3), 'swapped');
});

test('PSI stays finite when a bin is empty on one side (each share lifted to 1e-4): ≈ 2·ln 10⁴ for disjoint bins', () => {
  const psi = populationStabilityIndex([1, 0], [0, 1]);
  close(psi, 2 * (0.9999 / 1.0001) * Math.log(1e4), 'disjoint');
});

test('Jensen–Shannon distance: 0 for the same, 1 for disjoint, √(1.5 − ¾·log₂3) for [½,½] vs [1,0]', () => {
  close(jensenShannonDistance([2, 2], [5, 5]), 0, 'same');
  close(jensenShannonDistance([1, 0], [0, 1]), 1, 'disjoint');
  close(jensenShannonDistance([0.5, 0.5], [1, 0]), Math.sqrt(1.5 - 0.75 * Math.log2(3)), 'half vs all');
  close(jensenShannonDistance([1, 0], [0.5, 0.5]), Math.sqrt(1.5 - 0.75 * Math.log2(3)), 'symmetric');
});

test('quantile edges cut 1…10 into four groups at 3, 6 and 8; values fall in the bin below each edge', () => {
  const values = Array.from({ length: 10 }, (_, i) => i + 1);
  assert.deepEqual(quantileEdges(values, 4), [3, 6, 8]);
  assert.deepEqual(binCounts(values, [3, 6, 8]), [2, 3, 2, 3]);
  assert.deepEqual([binOf(-1, [3, 6, 8]), binOf(3, [3, 6, 8]), binOf(7.9, [3, 6, 8]), binOf(100, [3, 6, 8])], [0, 1, 2, 3]);
  assert.deepEqual(quantileEdges([0, 0, 0, 0, 1], 4), [0], 'repeated quantiles collapse into one edge');
});

test('refuses distributions of different lengths and an empty one', () => {
  assert.throws(() => populationStabilityIndex([1, 2], [1, 2, 3]), RangeError);
  assert.throws(() => jensenShannonDistance([0, 0], [1, 1]), RangeError);
  assert.throws(() => quantileEdges([], 10), RangeError);
});
