import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEXT_FEATURES, TextFeatureExtractor } from '@premonitor/ml';
import type { ModelTarget, SparseRows } from '@premonitor/ml';
import { predictRow, vocabularyRows } from './hashed-text-model.js';
import { DEFAULT_HASHED_TRAINING, buildVocabulary, trainHashedTextModel } from './hashed-text-trainer.js';

const severity: ModelTarget = { name: 'severity', kind: 'ordinal', classes: ['1', '2', '3', '4', '5'] };
const part: ModelTarget = { name: 'part', kind: 'nominal', classes: ['pump', 'valve', 'motor'] };
// Each phrase carries its severity; the part is named in the text (or unknown: −1).
const phrases: [string, number, number][] = [
  ['cosmetic scratch on %', 0, -1], ['minor drip at %', 1, -1], ['noisy % bearing', 2, -1], ['% leaking oil heavily', 3, -1], ['% fire and explosion risk', 4, -1],
];
const parts = ['pump', 'valve', 'motor'];

async function dataset(): Promise<{ texts: string[]; rows: SparseRows; labels: Int32Array[] }> {
  const texts: string[] = [];
  const sev: number[] = [];
  const prt: number[] = [];
  for (let r = 0; r < 6; r++) {
    phrases.forEach(([phrase, s], i) => {
      const p = (i + r) % 3;
      texts.push(phrase.replace('%', `${parts[p]} ${r}`));
      sev.push(s);
      prt.push(r === 5 ? -1 : p);
    });
  }
  const extractor = await TextFeatureExtractor.create(DEFAULT_TEXT_FEATURES);
  const rows = await extractor.extract(texts.map((description) => ({ description })));
  await extractor.close();
  return { texts, rows, labels: [Int32Array.from(sev), Int32Array.from(prt)] };
}

function predictAll(model: ReturnType<typeof trainHashedTextModel>['model'], rows: SparseRows): number[][] {
  return Array.from({ length: rows.offsets.length - 1 }, (_, i) => {
    const mapped = vocabularyRows(model.vocabulary, rows.ids.subarray(rows.offsets[i]!, rows.offsets[i + 1]!), rows.weights.subarray(rows.offsets[i]!, rows.offsets[i + 1]!));
    return predictRow(model, mapped.rows, mapped.weights).map((p) => p.index);
  });
}

for (const ordinalLink of ['cumulative', 'softmax'] as const) {
  test(`learns ordinal and nominal targets of a separable set (${ordinalLink} link), skipping unknown labels`, async () => {
    const { rows, labels } = await dataset();
    const { model, epochLoss } = trainHashedTextModel({ rows, labels }, [severity, part], DEFAULT_TEXT_FEATURES, { ...DEFAULT_HASHED_TRAINING, ordinalLink });
    const predicted = predictAll(model, rows);
    predicted.forEach(([s, p], i) => {
      assert.equal(s, labels[0]![i], `severity of example ${i}`);
      if (labels[1]![i]! >= 0) assert.equal(p, labels[1]![i], `part of example ${i}`);
    });
    assert.ok(epochLoss.at(-1)! < epochLoss[0]! / 2, `loss falls: ${epochLoss.join(', ')}`);
    if (ordinalLink === 'cumulative') {
      const t = Array.from(model.thresholds.subarray(0, 4));
      assert.deepEqual(t, [...t].sort((a, b) => a - b), 'thresholds stay ordered');
    }
  });
}

test('the same examples and seed give the same weights; another seed another order', async () => {
  const { rows, labels } = await dataset();
  const a = trainHashedTextModel({ rows, labels }, [severity, part], DEFAULT_TEXT_FEATURES);
  const b = trainHashedTextModel({ rows, labels }, [severity, part], DEFAULT_TEXT_FEATURES);
  const c = trainHashedTextModel({ rows, labels }, [severity, part], DEFAULT_TEXT_FEATURES, { ...DEFAULT_HASHED_TRAINING, seed: 2 });
  assert.deepEqual(a.model.table, b.model.table);
  assert.notDeepEqual(a.model.table, c.model.table);
});

test('a text with no known feature gets the class prior', async () => {
  const { rows, labels } = await dataset();
  const { model } = trainHashedTextModel({ rows, labels }, [severity, part], DEFAULT_TEXT_FEATURES);
  const [s, p] = predictRow(model, [], []);
  // Severity classes are balanced, so the median of the prior is the middle level.
  assert.equal(s!.index, 2);
  assert.ok(Math.abs(p!.probabilities.reduce((x, y) => x + y, 0) - 1) < 1e-6);
});

test('the vocabulary keeps ids seen in at least minCount texts and rewrites rows to its indices', () => {
  const rows: SparseRows = { offsets: Uint32Array.of(0, 3, 5), ids: Int32Array.of(50, 7, 7, 7, 9), weights: Float32Array.of(1, 2, 3, 4, 5) };
  const { vocabulary, rows: mapped } = buildVocabulary(rows, 2);
  assert.deepEqual(Array.from(vocabulary), [7]);
  assert.deepEqual(Array.from(mapped.offsets), [0, 2, 3]);
  assert.deepEqual(Array.from(mapped.ids), [0, 0, 0]);
  assert.deepEqual(Array.from(mapped.weights), [2, 3, 4]);
});

test('refuses labels that do not match the examples', async () => {
  const { rows } = await dataset();
  assert.throws(() => trainHashedTextModel({ rows, labels: [new Int32Array(3)] }, [severity], DEFAULT_TEXT_FEATURES), RangeError);
});
