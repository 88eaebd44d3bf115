import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { OnnxGraphError } from '../onnx/onnx-errors.js';
import { OnnxDataType } from '../onnx/onnx-schema.js';
import { TextFeatureExtractor } from './text-feature-extractor.js';
import { addTextFeatures } from './text-feature-graph.js';
import { DEFAULT_TEXT_FEATURES } from './text-feature-spec.js';
import type { TextFeatureSpec } from './text-feature-spec.js';
import { textFeatures } from './text-features.js';
import type { TextInput } from './text-features.js';

const texts: TextInput[] = [
  { description: 'L/H BUCKET CYL LEAKING.', equipment: 'Excavator SHD24' },
  { description: 'pump bearing overheating under load', equipment: '' },
  { description: '' },
  { description: '...' },
  { description: 'a' },
  { description: 'ENG OVERHEATING   SEE  TEXT\tline\nbreak' },
  { description: 'Grüße ΣΑΣ İstanbul Ünïcödé Кран 起重机 🔧 x2 ½ ٣' },
  { description: 'one two three four five six seven eight nine ten eleven twelve', equipment: 'A B C D E F G H I J K L M N' },
  { description: 'x'.repeat(300) },
];

function multiset(ids: ArrayLike<number>, weights: ArrayLike<number>): string[] {
  return Array.from(ids, (id, i) => `${id}:${weights[i]!.toFixed(6)}`).sort();
}

let extractor: TextFeatureExtractor;
const specs: TextFeatureSpec[] = [DEFAULT_TEXT_FEATURES, { buckets: 97, seed: 5, wordNgrams: 1, charNgrams: [2, 6], maxWords: 5 }];

before(async () => {
  extractor = await TextFeatureExtractor.create(DEFAULT_TEXT_FEATURES);
});
after(async () => {
  await extractor.close();
});

for (const spec of specs) {
  test(`the graph computes the TypeScript reference features (${spec.buckets} buckets, char [${spec.charNgrams.join(',')}])`, async () => {
    const x = spec === DEFAULT_TEXT_FEATURES ? extractor : await TextFeatureExtractor.create(spec);
    // Odd batch sizes mix long and short rows, so padding is exercised across the batch.
    for (const batchSize of [1, 4, texts.length]) {
      const rows = await x.extract(texts, batchSize);
      texts.forEach((input, i) => {
        const reference = textFeatures(input, spec);
        const graph = multiset(rows.ids.subarray(rows.offsets[i], rows.offsets[i + 1]), rows.weights.subarray(rows.offsets[i], rows.offsets[i + 1]));
        assert.deepEqual(graph, multiset(reference.ids, reference.weights), JSON.stringify(input));
      });
    }
    if (x !== extractor) await x.close();
  });
}

test('a batch with nothing but empty texts gives empty rows', async () => {
  const rows = await extractor.extract([{ description: '' }, { description: ' ', equipment: '' }]);
  assert.deepEqual(Array.from(rows.offsets), [0, 0, 0]);
});

test('the features feed a weight table inside a larger graph', async () => {
  const spec = { ...DEFAULT_TEXT_FEATURES, buckets: 8 };
  const g = new OnnxGraphBuilder();
  const features = addTextFeatures(g, g.addInput('d', ['batch'], OnnxDataType.STRING), g.addInput('e', ['batch'], OnnxDataType.STRING), spec);
  const table = g.addInitializer('table', Float32Array.from({ length: 8 }, (_, i) => i), [8]);
  const sum = g.op('ReduceSum', [g.op('Mul', [g.op('Gather', [table, features.ids]), features.weights]), g.addInt64Initializer('axis', [1])], { keepdims: OnnxAttr.int(0) });
  g.addOutput(sum, ['batch']);
  const session = await ort.InferenceSession.create(g.toModelBytes({ opsetVersion: 20, irVersion: 9, domainOpsets: { 'com.microsoft': 1 } }));
  const out = await session.run({ d: new ort.Tensor('string', ['oil leak'], [1]), e: new ort.Tensor('string', [''], [1]) });
  const ref = textFeatures({ description: 'oil leak' }, spec);
  const expected = ref.ids.reduce((acc, id, i) => acc + id * ref.weights[i]!, 0);
  assert.ok(Math.abs((out[sum]!.data as Float32Array)[0]! - expected) < 1e-4);
  await session.release();
});

test('refuses a spec it cannot build', () => {
  const g = new OnnxGraphBuilder();
  assert.throws(() => addTextFeatures(g, g.addInput('d', ['batch'], OnnxDataType.STRING), g.addInput('e', ['batch'], OnnxDataType.STRING), { ...DEFAULT_TEXT_FEATURES, maxWords: 0 }), OnnxGraphError);
});
