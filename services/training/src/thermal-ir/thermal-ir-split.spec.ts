import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitByImageId } from './thermal-ir-split.js';

const samples = ['a', 'b', 'c'].flatMap((label, k) => Array.from({ length: [100, 20, 7][k]! }, (_, i) => ({ id: String(k * 1000 + i), label, values: new Float32Array(1) })));

test('splits by image id, disjoint and complete, each class in the same proportions', () => {
  const s = splitByImageId(samples, 1, { train: 0.7, validation: 0.1 });
  const all = [...s.train, ...s.validation, ...s.test];
  assert.equal(new Set(all).size, samples.length);
  const count = (idx: readonly number[], label: string) => idx.filter((i) => samples[i]!.label === label).length;
  assert.deepEqual([count(s.train, 'a'), count(s.validation, 'a'), count(s.test, 'a')], [70, 10, 20]);
  assert.deepEqual([count(s.train, 'c'), count(s.validation, 'c'), count(s.test, 'c')], [5, 1, 1]);
});

test('the same seed gives the same split whatever the load order; another seed another one', () => {
  const a = splitByImageId(samples, 1, { train: 0.7, validation: 0.1 });
  const reversed = [...samples].reverse();
  const b = splitByImageId(reversed, 1, { train: 0.7, validation: 0.1 });
  assert.deepEqual(a.test.map((i) => samples[i]!.id).sort(), b.test.map((i) => reversed[i]!.id).sort());
  assert.notDeepEqual(splitByImageId(samples, 2, { train: 0.7, validation: 0.1 }).test, a.test);
});
