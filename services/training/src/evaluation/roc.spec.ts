import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, partialAuc, quantile, recallAtFpr } from './roc.js';

const ex = (scores: number[], anomalous: boolean) => scores.map((score) => ({ score, anomalous }));

test('AUC is 1 for a perfect ranking, 0 for a reversed one and ½ for all-tied scores', () => {
  assert.equal(auc([...ex([0.1, 0.2], false), ...ex([0.8, 0.9], true)]), 1);
  assert.equal(auc([...ex([0.8, 0.9], false), ...ex([0.1, 0.2], true)]), 0);
  assert.equal(auc([...ex([0.5, 0.5], false), ...ex([0.5, 0.5], true)]), 0.5);
});

test('AUC equals the Mann–Whitney statistic on a mixed ranking', () => {
  // Pairs (anomalous > normal): 0.6 beats 0.1 and 0.4; 0.3 beats 0.1 → 3 of 4.
  assert.equal(auc([...ex([0.1, 0.4], false), ...ex([0.3, 0.6], true)]), 0.75);
});

test('pAUC at max FPR 0.1 is normalised the DCASE way: 1 when perfect, 0.05 for a random diagonal', () => {
  assert.equal(partialAuc([...ex([0.1, 0.2], false), ...ex([0.8, 0.9], true)], 0.1), 1);
  const tied = [...ex(Array(10).fill(0.5), false), ...ex(Array(10).fill(0.5), true)];
  assert.ok(Math.abs(partialAuc(tied, 0.1) - 0.05) < 1e-12);
});

test('recall at 1 % FPR counts only thresholds with at most 1 % false positives', () => {
  const normals = ex(Array.from({ length: 100 }, (_, i) => i / 100), false);
  // One faulty example scores above every normal, one below the top two normals.
  assert.equal(recallAtFpr([...normals, ...ex([2, 0.985], true)], 0.01), 1);
  assert.equal(recallAtFpr([...normals, ...ex([2, 0.975], true)], 0.01), 0.5);
});

test('quantile interpolates between order statistics', () => {
  assert.equal(quantile([3, 1, 2, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3], 1), 3);
});
