import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { OnnxDataType } from '../onnx/onnx-schema.js';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import type { OnnxModelOptions } from '../onnx/graph-builder.js';
import { OnnxGraphError } from '../onnx/onnx-errors.js';
import { textFeatureFamilies, textFeatureSpecProblem } from './text-feature-spec.js';
import type { TextFeatureSpec } from './text-feature-spec.js';

/**
 * Opsets a graph with text features needs: `StringConcat` is ai.onnx 20 (IR 9); `Tokenizer`
 * and `MurmurHash3` are onnxruntime's `com.microsoft` operators (built into onnxruntime-node).
 */
export const TEXT_FEATURE_OPSETS: Pick<OnnxModelOptions, 'opsetVersion' | 'irVersion' | 'domainOpsets'> = Object.freeze({
  opsetVersion: 20,
  irVersion: 9,
  domainOpsets: Object.freeze({ 'com.microsoft': 1 }),
});

/**
 * Locale of the `StringNormalizer` lower-casing. C.UTF-8 is built into glibc ≥ 2.35 and needs no
 * language pack (onnxruntime's default, en_US.UTF-8, is missing from slim images); unlike the
 * plain C locale it lower-cases beyond ASCII.
 */
export const TEXT_LOCALE = 'C.UTF-8';

/** Graph values holding the features: `ids` int64 `[batch, K]` and `weights` float `[batch, K]`. */
export interface TextFeatureValues {
  readonly ids: string;
  readonly weights: string;
}

const MS = 'com.microsoft';
const WORD_PATTERN = '[\\p{L}\\p{N}]+';
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Adds the text features of {@link textFeatures} to `g`: `description` and `equipment` are
 * string `[batch]` values (equipment '' when unknown). Padding positions get weight 0, so a
 * consumer sums `weights · table[ids]` over the last axis. Batches must not be empty
 * (`StringNormalizer` refuses a zero-length input).
 */
export function addTextFeatures(g: OnnxGraphBuilder, description: string, equipment: string, spec: TextFeatureSpec): TextFeatureValues {
  const problem = textFeatureSpecProblem(spec);
  if (problem) throw new OnnxGraphError(`text features: ${problem}`);
  const empty = g.addStringInitializer(g.uniqueName('empty'), ['']);
  const words = tokenize(g, description, spec.maxWords, empty);
  const strings = new Map<string, { grams: string; last: string }>();
  strings.set('word', { grams: words, last: words });
  if (spec.wordNgrams === 2) {
    const left = slice(g, words, 0, -1, 1);
    const right = slice(g, words, 1, INT64_MAX, 1);
    const space = g.addStringInitializer(g.uniqueName('space'), [' ']);
    strings.set('word-pair', { grams: g.op('StringConcat', [g.op('StringConcat', [left, space]), right]), last: right });
  }
  if (spec.charNgrams.length > 0) {
    const open = g.addStringInitializer(g.uniqueName('open'), ['<']);
    const close = g.addStringInitializer(g.uniqueName('close'), ['>']);
    // Padding words stay '' rather than '<>', which would be a character bigram of its own.
    const marked = g.op('Where', [g.op('Equal', [words, empty]), words, g.op('StringConcat', [g.op('StringConcat', [open, words]), close])]);
    const chars = g.domainOp(MS, 'Tokenizer', [marked], { mark: OnnxAttr.int(0), mincharnum: OnnxAttr.int(1), pad_value: OnnxAttr.string(''), tokenexp: OnnxAttr.string('.') }, 'chars');
    for (const n of spec.charNgrams) {
      const parts = Array.from({ length: n }, (_, k) => slice(g, chars, k, k === n - 1 ? INT64_MAX : k - n + 1, 2));
      const grams = parts.slice(1).reduce((acc, part) => g.op('StringConcat', [acc, part]), parts[0]!);
      strings.set(`char-${n}`, { grams, last: parts[n - 1]! });
    }
  }
  const equipmentWords = tokenize(g, equipment, spec.maxWords, empty);
  strings.set('equipment', { grams: equipmentWords, last: equipmentWords });

  const ids: string[] = [];
  const weights: string[] = [];
  for (const family of textFeatureFamilies(spec)) {
    const { grams, last } = strings.get(family.name)!;
    const hash = g.domainOp(MS, 'MurmurHash3', [grams], { seed: OnnxAttr.int(family.seed), positive: OnnxAttr.int(1) }, 'hash');
    const bucket = g.op('Mod', [g.op('Cast', [hash], { to: OnnxAttr.int(OnnxDataType.INT64) }), g.addInt64Initializer(g.uniqueName('buckets'), [spec.buckets], [])]);
    // A gram is real when its last part is: padding only ever trails.
    const present = g.op('Cast', [g.op('Not', [g.op('Equal', [last, empty])])], { to: OnnxAttr.int(OnnxDataType.FLOAT) });
    const flatIds = g.op('Flatten', [bucket], { axis: OnnxAttr.int(1) });
    const flatPresent = g.op('Flatten', [present], { axis: OnnxAttr.int(1) });
    const count = g.op('ReduceSum', [flatPresent, g.addInt64Initializer(g.uniqueName('axis'), [1])], { keepdims: OnnxAttr.int(1) });
    const one = g.addInitializer(g.uniqueName('one'), Float32Array.of(1), []);
    const norm = g.op('Div', [one, g.op('Sqrt', [g.op('Max', [count, one])])]);
    ids.push(flatIds);
    weights.push(g.op('Mul', [flatPresent, norm]));
  }
  return {
    ids: g.op('Concat', ids, { axis: OnnxAttr.int(1) }, 'feature_ids'),
    weights: g.op('Concat', weights, { axis: OnnxAttr.int(1) }, 'feature_weights'),
  };
}

/**
 * A graph `description, equipment → ids, weights` with only the features: what training runs
 * so that it sees exactly the ids the served model will.
 */
export function buildTextFeatureModel(spec: TextFeatureSpec): Uint8Array {
  const g = new OnnxGraphBuilder('text_features');
  const description = g.addInput('description', ['batch'], OnnxDataType.STRING);
  const equipment = g.addInput('equipment', ['batch'], OnnxDataType.STRING);
  const features = addTextFeatures(g, description, equipment, spec);
  g.addNode('Identity', [features.ids], ['ids']);
  g.addNode('Identity', [features.weights], ['weights']);
  g.addOutput('ids', ['batch', 'features'], OnnxDataType.INT64);
  g.addOutput('weights', ['batch', 'features']);
  return g.toModelBytes({ ...TEXT_FEATURE_OPSETS, docString: 'hashed word and character n-gram features' });
}

/** Lower-cased words `[batch, W]` (W ≥ 1: a padding column keeps every later shape non-empty). */
function tokenize(g: OnnxGraphBuilder, text: string, maxWords: number, empty: string): string {
  const lower = g.op('StringNormalizer', [text], { case_change_action: OnnxAttr.string('LOWER'), locale: OnnxAttr.string(TEXT_LOCALE) });
  const tokens = g.domainOp(MS, 'Tokenizer', [lower], { mark: OnnxAttr.int(0), mincharnum: OnnxAttr.int(1), pad_value: OnnxAttr.string(''), tokenexp: OnnxAttr.string(WORD_PATTERN) }, 'words');
  const kept = slice(g, tokens, 0, maxWords, 1);
  const rows = g.op('Slice', [g.op('Shape', [text]), g.addInt64Initializer(g.uniqueName('zero'), [0]), g.addInt64Initializer(g.uniqueName('one_i'), [1])]);
  const padShape = g.op('Concat', [rows, g.addInt64Initializer(g.uniqueName('one_i'), [1])], { axis: OnnxAttr.int(0) });
  return g.op('Concat', [kept, g.op('Expand', [empty, padShape])], { axis: OnnxAttr.int(1) }, 'words');
}

function slice(g: OnnxGraphBuilder, value: string, start: number, end: number, axis: number): string {
  return g.op('Slice', [value, g.addInt64Initializer(g.uniqueName('start'), [start]), g.addInt64Initializer(g.uniqueName('end'), [end]), g.addInt64Initializer(g.uniqueName('axis'), [axis])]);
}
