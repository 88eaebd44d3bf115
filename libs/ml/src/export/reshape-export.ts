import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import type { FlattenSpec, ReshapeSpec } from './model-description.js';
import { toChannelsLast } from './export-context.js';
import type { ExportValue } from './export-context.js';
import { ModelExportError } from './export-errors.js';

/** Flatten → ONNX `Flatten(axis=1)` after restoring tfjs's channels-last element order. */
export function exportFlatten(g: OnnxGraphBuilder, input: ExportValue, _spec: FlattenSpec, _prefix: string): ExportValue {
  const x = toChannelsLast(g, input);
  const size = x.shape.reduce((a, b) => a * b, 1);
  return { name: g.op('Flatten', [x.name], { axis: OnnxAttr.int(1) }), shape: [size], channelsFirst: false };
}

/** Reshape → ONNX `Reshape` with the batch dimension copied (`0`) and the rest resolved statically. */
export function exportReshape(g: OnnxGraphBuilder, input: ExportValue, spec: ReshapeSpec, prefix: string): ExportValue {
  const x = toChannelsLast(g, input);
  const shape = resolveTargetShape(x.shape, spec.targetShape, prefix);
  const target = g.addInt64Initializer(g.uniqueName(`${prefix}_shape`), [0, ...shape]);
  return { name: g.op('Reshape', [x.name, target]), shape, channelsFirst: false };
}

function resolveTargetShape(from: readonly number[], target: readonly number[], prefix: string): number[] {
  const size = from.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = target.filter((d) => d === -1).length;
  const shape = target.map((d) => (d === -1 ? size / known : d));
  if (free > 1 || shape.reduce((a, b) => a * b, 1) !== size || !shape.every(Number.isInteger)) {
    throw new ModelExportError(`${prefix}: cannot reshape [${from.join(', ')}] to [${target.join(', ')}]`);
  }
  return shape;
}
