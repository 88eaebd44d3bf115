import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEXT_FEATURES, TextFeatureExtractor, readModelMetadata } from '@premonitor/ml';
import type { ModelTarget, TextInput } from '@premonitor/ml';
import { fitTextModel } from './fit-text-model.js';
import { predictRow, vocabularyRows } from './hashed-text-model.js';
import { DEFAULT_HASHED_TRAINING } from './hashed-text-trainer.js';
import { TextModelPredictor } from './text-model-predictor.js';

const targets: ModelTarget[] = [
  { name: 'impact', kind: 'ordinal', classes: ['1', '2', '3', '4', '5'] },
  { name: 'mode', kind: 'nominal', classes: ['leak', 'wear', 'electrical'] },
];
const words = ['pump', 'valve', 'seal', 'leak', 'oil', 'bearing', 'worn', 'noise', 'fuse', 'cable', 'short', 'hot', 'crack', 'loose', 'broken'];

function corpus(n: number): { inputs: TextInput[]; labels: Int32Array[] } {
  const inputs: TextInput[] = [];
  const impact: number[] = [];
  const mode: number[] = [];
  for (let i = 0; i < n; i++) {
    const picked = [words[i % words.length]!, words[(i * 7 + 3) % words.length]!, words[(i * 11 + 5) % words.length]!];
    inputs.push({ description: picked.join(' ').toUpperCase(), equipment: i % 4 === 0 ? '' : `P-${i % 5}` });
    impact.push((i * 3) % 5);
    mode.push(i % 9 === 0 ? -1 : i % 3);
  }
  return { inputs, labels: [Int32Array.from(impact), Int32Array.from(mode)] };
}

for (const ordinalLink of ['cumulative', 'softmax'] as const) {
  test(`the exported graph gives the TypeScript model's probabilities and classes (${ordinalLink})`, async () => {
    const { inputs, labels } = corpus(120);
    const fitted = await fitTextModel(inputs, labels, { targets, features: DEFAULT_TEXT_FEATURES, training: { ...DEFAULT_HASHED_TRAINING, ordinalLink, epochs: 4 }, metadata: { kind: 'test', version: ordinalLink } });
    const unseen: TextInput[] = [{ description: 'completely unrelated words' }, { description: '' }, { description: 'Pump LEAK, hot!', equipment: 'P-9 new' }];
    const all = [...inputs, ...unseen];
    const predictor = await TextModelPredictor.create(fitted.modelBytes);
    const onnx = await predictor.predict(all, 7);
    await predictor.close();
    const extractor = await TextFeatureExtractor.create(DEFAULT_TEXT_FEATURES);
    const rows = await extractor.extract(all);
    await extractor.close();
    all.forEach((input, i) => {
      const mapped = vocabularyRows(fitted.model.vocabulary, rows.ids.subarray(rows.offsets[i]!, rows.offsets[i + 1]!), rows.weights.subarray(rows.offsets[i]!, rows.offsets[i + 1]!));
      predictRow(fitted.model, mapped.rows, mapped.weights).forEach((p, j) => {
        const o = onnx[i]![targets[j]!.name]!;
        assert.equal(o.score, p.index + 1, `${JSON.stringify(input)} ${targets[j]!.name}`);
        assert.equal(o.label, targets[j]!.classes[p.index]);
        assert.ok(Math.abs(o.confidence - p.confidence) < 1e-5);
        p.probabilities.forEach((v, c) => assert.ok(Math.abs(v - o.probabilities[c]!) < 1e-5));
      });
    });
  });
}

test('the file says what it is: kind, version, targets, feature spec and inputs', async () => {
  const { inputs, labels } = corpus(20);
  const fitted = await fitTextModel(inputs, labels, { targets, features: DEFAULT_TEXT_FEATURES, metadata: { kind: 'triage', version: 'v7', trainingDataFingerprint: 'sha256:x' } });
  const meta = readModelMetadata(fitted.modelBytes);
  assert.equal(meta.kind, 'triage');
  assert.equal(meta.version, 'v7');
  assert.deepEqual(meta.targets, targets);
  assert.deepEqual(meta.textFeatures, DEFAULT_TEXT_FEATURES);
  assert.deepEqual(meta.inputs.map((i) => i.name), ['description', 'equipment']);
});

test('refuses targets it cannot train, and bytes that are not a text model', async () => {
  const { inputs, labels } = corpus(5);
  await assert.rejects(fitTextModel(inputs, labels, { targets: [{ name: 'bad name', kind: 'nominal', classes: ['a', 'b'] }], features: DEFAULT_TEXT_FEATURES, metadata: { kind: 'x', version: '1' } }), /target name/);
  await assert.rejects(TextModelPredictor.create(Uint8Array.of(1, 2, 3)), /not an exported model/);
});
