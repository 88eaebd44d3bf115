import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import type { BatchNormSpec, DenseSpec } from './model-description.js';
import { applyActivation, expectLength, toChannelsLast } from './export-context.js';
import type { ExportValue } from './export-context.js';

/** Dense → `MatMul` (+ `Add`) (+ activation); works on any rank like tfjs, over the last axis. */
export function exportDense(g: OnnxGraphBuilder, input: ExportValue, spec: DenseSpec, prefix: string): ExportValue {
  const x = toChannelsLast(g, input);
  const inputs = x.shape.at(-1) ?? 0;
  expectLength(spec.kernel, inputs * spec.units, `${prefix} kernel`);
  expectLength(spec.bias, spec.units, `${prefix} bias`);
  let y = g.op('MatMul', [x.name, g.addInitializer(g.uniqueName(`${prefix}_kernel`), spec.kernel, [inputs, spec.units])]);
  if (spec.bias) y = g.op('Add', [y, g.addInitializer(g.uniqueName(`${prefix}_bias`), spec.bias, [spec.units])]);
  return applyActivation(g, { name: y, shape: [...x.shape.slice(0, -1), spec.units], channelsFirst: false }, spec.activation);
}

/**
 * Inference-mode batch normalisation folded into one `Mul` and one `Add`:
 * `scale = γ / √(var + ε)`, `shift = β − mean·scale`, computed in float64.
 */
export function exportBatchNorm(g: OnnxGraphBuilder, x: ExportValue, spec: BatchNormSpec, prefix: string): ExportValue {
  const channels = x.shape.at(-1) ?? 0;
  for (const [what, data] of Object.entries({ gamma: spec.gamma, beta: spec.beta, movingMean: spec.movingMean, movingVariance: spec.movingVariance })) {
    expectLength(data, channels, `${prefix} ${what}`);
  }
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (spec.gamma?.[c] ?? 1) / Math.sqrt(spec.movingVariance[c]! + spec.epsilon);
    scale[c] = s;
    shift[c] = (spec.beta?.[c] ?? 0) - spec.movingMean[c]! * s;
  }
  // Channel is the last logical axis; on an NCHW tensor it is axis 1, so broadcast as [C, 1, 1].
  const dims = x.channelsFirst ? [channels, 1, 1] : [channels];
  const scaled = g.op('Mul', [x.name, g.addInitializer(g.uniqueName(`${prefix}_scale`), scale, dims)]);
  return { ...x, name: g.op('Add', [scaled, g.addInitializer(g.uniqueName(`${prefix}_shift`), shift, dims)]) };
}
