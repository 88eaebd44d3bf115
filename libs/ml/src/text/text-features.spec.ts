import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgrams, lowerCase, textFeatures, tokenizeWords } from './text-features.js';
import { DEFAULT_TEXT_FEATURES, textFeatureFamilies, textFeatureSpecProblem } from './text-feature-spec.js';
import type { TextFeatureSpec } from './text-feature-spec.js';

const small: TextFeatureSpec = { buckets: 1024, seed: 1, wordNgrams: 2, charNgrams: [3], maxWords: 4 };

test('words are lower-cased runs of letters and digits, cut at maxWords', () => {
  assert.deepEqual(tokenizeWords('L/H BUCKET CYL LEAKING.', 10), ['l', 'h', 'bucket', 'cyl', 'leaking']);
  assert.deepEqual(tokenizeWords('Pumpe-12 überhitzt; ÖL!', 10), ['pumpe', '12', 'überhitzt', 'öl']);
  assert.deepEqual(tokenizeWords('a b c d e f', 3), ['a', 'b', 'c']);
  assert.deepEqual(tokenizeWords(' -- ... ', 3), []);
});

test('lower-casing works per code point without context or expansion', () => {
  assert.equal(lowerCase('ΣΑΣ'), 'σασ');
  assert.equal(lowerCase('İ'), 'i');
  assert.equal(lowerCase('🔧 ABC'), '🔧 abc');
});

test('character n-grams count code points', () => {
  assert.deepEqual(charNgrams('<öl>', 3), ['<öl', 'öl>']);
  assert.deepEqual(charNgrams('<a>', 4), []);
});

test('each family is weighted 1/sqrt(its occurrences) and ids stay inside the buckets', () => {
  const f = textFeatures({ description: 'oil leak oil', equipment: 'Pump 7' }, small);
  // 3 words, 2 pairs, trigrams of <oil> <leak> <oil> = 3 + 4 + 3, 2 equipment words
  assert.equal(f.ids.length, 3 + 2 + 10 + 2);
  assert.deepEqual(f.weights.slice(0, 3), Array(3).fill(Math.fround(1 / Math.sqrt(3))));
  assert.equal(f.weights[3], Math.fround(Math.SQRT1_2));
  assert.equal(f.weights.at(-1), Math.fround(Math.SQRT1_2));
  assert.ok(f.ids.every((id) => Number.isInteger(id) && id >= 0 && id < small.buckets));
  // the repeated word hashes to the same bucket
  assert.equal(f.ids[0], f.ids[2]);
});

test('the same string in two families lands in different buckets', () => {
  const f = textFeatures({ description: 'oil', equipment: 'oil' }, { ...small, buckets: 1 << 30 });
  assert.notEqual(f.ids[0], f.ids.at(-1));
});

test('an empty or punctuation-only text has no features', () => {
  assert.deepEqual(textFeatures({ description: '' }, small), { ids: [], weights: [] });
  assert.deepEqual(textFeatures({ description: '?!', equipment: '--' }, small), { ids: [], weights: [] });
});

test('families come in one fixed order with distinct seeds', () => {
  const families = textFeatureFamilies(DEFAULT_TEXT_FEATURES);
  assert.deepEqual(families.map((f) => f.name), ['word', 'word-pair', 'char-3', 'char-4', 'char-5', 'equipment']);
  assert.equal(new Set(families.map((f) => f.seed)).size, families.length);
});

test('a spec that cannot be built is named with the reason', () => {
  assert.equal(textFeatureSpecProblem(DEFAULT_TEXT_FEATURES), undefined);
  assert.match(textFeatureSpecProblem({ ...small, buckets: 1 }) ?? '', /buckets/);
  assert.match(textFeatureSpecProblem({ ...small, charNgrams: [3, 3] }) ?? '', /charNgrams/);
  assert.match(textFeatureSpecProblem({ ...small, wordNgrams: 3 as 2 }) ?? '', /wordNgrams/);
  assert.match(textFeatureSpecProblem({ ...small, maxWords: 0 }) ?? '', /maxWords/);
});
