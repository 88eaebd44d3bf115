import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelTarget } from '@premonitor/ml';
import { KeywordBaseline, majorityClass } from './keyword-baseline.js';

const mode: ModelTarget = { name: 'mode', kind: 'nominal', classes: ['leak', 'crack', 'other'] };
const band: ModelTarget = { name: 'band', kind: 'ordinal', classes: ['1', '2', '3'] };

test('takes the class of the most decisive keyword, and the majority when no keyword is known', () => {
  const texts = ['oil leak pump', 'leak at hose', 'hose leak', 'crack in boom', 'boom crack weld', 'crack bucket', 'pump service', 'pump check', 'pump hose', 'service boom'];
  const labels = Int32Array.of(0, 0, 0, 1, 1, 1, 2, 2, 0, 2);
  const kb = KeywordBaseline.fit(texts, labels, mode, { minSupport: 2, smoothing: 1, maxWords: 64 });
  assert.equal(kb.predict('small LEAK near pump'), 0); // "leak" (3/3) beats "pump" (mixed)
  assert.equal(kb.predict('Crack found'), 1);
  assert.equal(kb.predict('never seen words'), 0); // majority: leak 4 of 10
  assert.ok(kb.size >= 4);
});

test('an ordinal target takes the keyword median, not its mode', () => {
  // "late" is 1, 3, 3 → median 3; "early" is 1, 1, 2 → median 1.
  const kb = KeywordBaseline.fit(['late a', 'late b', 'late c', 'early d', 'early e', 'early f'], Int32Array.of(0, 2, 2, 0, 0, 1), band, { minSupport: 2, smoothing: 0, maxWords: 64 });
  assert.equal(kb.predict('late'), 2);
  assert.equal(kb.predict('early'), 0);
});

test('the majority class ignores unknown labels', () => {
  assert.equal(majorityClass(Int32Array.of(-1, -1, -1, 2, 2, 1), 3), 2);
});
