import { OnnxAttr, OnnxDataType, OnnxGraphBuilder, TEXT_FEATURE_OPSETS, addTextFeatures } from '@premonitor/ml';
import type { HashedTextModel, HeadLayout } from './hashed-text-model.js';

/** Graph inputs of a text model: string `[batch]` each. */
export const TEXT_MODEL_INPUTS = Object.freeze([
  Object.freeze({ name: 'description', type: 'string', shape: Object.freeze(['batch']) }),
  Object.freeze({ name: 'equipment', type: 'string', shape: Object.freeze(['batch']) }),
]);

/** Output names: `scores` int64 `[batch, targets]` (class number, 1-based), `confidence`, and per target `probabilities_<name>`. */
export function probabilitiesOutput(targetName: string): string {
  return `probabilities_${targetName}`;
}

/**
 * Exports `model` as one ONNX graph `description, equipment → scores, confidence,
 * probabilities_<target>`: the text features, a lookup of each feature id in the vocabulary
 * (`LabelEncoder`; unknown ids read a zero row), the weighted sum of table rows, each head's
 * class probabilities and its decoded class. `metadata` goes into `metadata_props`.
 */
export function exportHashedTextModel(model: HashedTextModel, metadata: Readonly<Record<string, string>>, docString: string): Uint8Array {
  const g = new OnnxGraphBuilder('text_model');
  const description = g.addInput('description', ['batch'], OnnxDataType.STRING);
  const equipment = g.addInput('equipment', ['batch'], OnnxDataType.STRING);
  const features = addTextFeatures(g, description, equipment, model.features);
  const v = model.vocabulary.length;
  const rows = g.domainOp('ai.onnx.ml', 'LabelEncoder', [features.ids], {
    keys_int64s: OnnxAttr.ints(Array.from(model.vocabulary)),
    values_int64s: OnnxAttr.ints(Array.from({ length: v }, (_, i) => i)),
    default_int64: OnnxAttr.int(v),
  }, 'rows');
  const padded = new Float32Array((v + 1) * model.columns);
  padded.set(model.table);
  const table = g.addInitializer('table', padded, [v + 1, model.columns]);
  const gathered = g.op('Gather', [table, rows], { axis: OnnxAttr.int(0) });
  const weighted = g.op('Mul', [gathered, g.op('Unsqueeze', [features.weights, g.addInt64Initializer(g.uniqueName('axis'), [2])])]);
  const summed = g.op('ReduceSum', [weighted, g.addInt64Initializer(g.uniqueName('axis'), [1])], { keepdims: OnnxAttr.int(0) });
  const scores = g.op('Add', [summed, g.addInitializer('bias', model.bias, [model.columns])], {}, 'head_scores');

  const classes: string[] = [];
  const confidences: string[] = [];
  for (const head of model.heads) {
    const probabilities = headProbabilities(g, head, scores, model.thresholds);
    g.addNode('Identity', [probabilities], [probabilitiesOutput(head.target.name)]);
    g.addOutput(probabilitiesOutput(head.target.name), ['batch', head.target.classes.length]);
    const index = head.decode === 'argmax'
      ? g.op('ArgMax', [probabilities], { axis: OnnxAttr.int(1), keepdims: OnnxAttr.int(1) })
      // The median: how many cumulative probabilities stay below ½.
      : g.op('ReduceSum', [g.op('Cast', [g.op('Less', [g.op('CumSum', [probabilities, g.addInt64Initializer(g.uniqueName('axis'), [1], [])]), g.addInitializer(g.uniqueName('half'), Float32Array.of(0.5), [])])], { to: OnnxAttr.int(OnnxDataType.INT64) }), g.addInt64Initializer(g.uniqueName('axis'), [1])], { keepdims: OnnxAttr.int(1) });
    classes.push(index);
    confidences.push(g.op('GatherElements', [probabilities, index], { axis: OnnxAttr.int(1) }));
  }
  g.addNode('Add', [g.op('Concat', classes, { axis: OnnxAttr.int(1) }), g.addInt64Initializer(g.uniqueName('one_based'), [1], [])], ['scores']);
  g.addNode('Concat', confidences, ['confidence'], { axis: OnnxAttr.int(1) });
  g.addOutput('scores', ['batch', model.heads.length], OnnxDataType.INT64);
  g.addOutput('confidence', ['batch', model.heads.length]);
  return g.toModelBytes({ ...TEXT_FEATURE_OPSETS, domainOpsets: { ...TEXT_FEATURE_OPSETS.domainOpsets, 'ai.onnx.ml': 3 }, docString, metadata });
}

function headProbabilities(g: OnnxGraphBuilder, head: HeadLayout, scores: string, thresholds: Float32Array): string {
  const k = head.target.classes.length;
  const axis = g.addInt64Initializer(g.uniqueName('axis'), [1]);
  const part = g.op('Slice', [scores, g.addInt64Initializer(g.uniqueName('start'), [head.column]), g.addInt64Initializer(g.uniqueName('end'), [head.column + head.width]), axis]);
  if (head.link === 'softmax') return g.op('Softmax', [part], { axis: OnnxAttr.int(1) });
  const theta = g.addInitializer(g.uniqueName('thresholds'), thresholds.slice(head.threshold, head.threshold + k - 1), [k - 1]);
  // P(y > k) for k = 0 … K−2, framed by P(y > −1) = 1 and P(y > K−1) = 0: class k gets the step between.
  const above = g.op('Sigmoid', [g.op('Sub', [part, theta])]);
  const zero = g.op('Mul', [part, g.addInitializer(g.uniqueName('zero'), Float32Array.of(0), [])]);
  const one = g.op('Add', [zero, g.addInitializer(g.uniqueName('one'), Float32Array.of(1), [])]);
  return g.op('Sub', [g.op('Concat', [one, above], { axis: OnnxAttr.int(1) }), g.op('Concat', [above, zero], { axis: OnnxAttr.int(1) })]);
}
