import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import type { OnnxAttribute } from '../onnx/onnx-attribute.js';
import type { ActivationName, LstmSpec } from './model-description.js';
import { expectLength, toChannelsLast } from './export-context.js';
import type { ExportValue } from './export-context.js';
import { ModelExportError, UnsupportedLayerError } from './export-errors.js';

// Position of each ONNX gate (i, o, f, c) in tfjs's packed weights (i, f, c, o).
const TFJS_GATE_FOR_ONNX_GATE = [0, 3, 1, 2] as const;

const ONNX_RNN_ACTIVATION: Partial<Record<ActivationName, string>> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  hardSigmoid: 'HardSigmoid',
};

/**
 * LSTM → ONNX `LSTM` (forward, layout 0). tfjs's `[in, 4u]` kernel and `[u, 4u]`
 * recurrent kernel become `W [1, 4u, in]` and `R [1, 4u, u]` with gates reordered from
 * i, f, c, o to ONNX's i, o, f, c; the tfjs bias is the input bias `Wb`, `Rb` is zero.
 * The batch-major input is transposed to time-major and back.
 */
export function exportLstm(g: OnnxGraphBuilder, input: ExportValue, spec: LstmSpec, prefix: string): ExportValue {
  const x = toChannelsLast(g, input);
  if (x.shape.length !== 2) throw new ModelExportError(`${prefix}: LSTM needs a [time, features] input, got [${x.shape.join(', ')}]`);
  const [steps, features] = x.shape as [number, number];
  const u = spec.units;
  expectLength(spec.kernel, features * 4 * u, `${prefix} kernel`);
  expectLength(spec.recurrentKernel, u * 4 * u, `${prefix} recurrent kernel`);
  expectLength(spec.bias, 4 * u, `${prefix} bias`);

  const w = g.addInitializer(g.uniqueName(`${prefix}_W`), gateMajor(spec.kernel, features, u), [1, 4 * u, features]);
  const r = g.addInitializer(g.uniqueName(`${prefix}_R`), gateMajor(spec.recurrentKernel, u, u), [1, 4 * u, u]);
  const b = new Float32Array(8 * u);
  if (spec.bias) {
    TFJS_GATE_FOR_ONNX_GATE.forEach((tfGate, onnxGate) => b.set(spec.bias!.subarray(tfGate * u, (tfGate + 1) * u), onnxGate * u));
  }
  const bias = g.addInitializer(g.uniqueName(`${prefix}_B`), b, [1, 8 * u]);

  const timeMajor = g.op('Transpose', [x.name], { perm: OnnxAttr.ints([1, 0, 2]) }, 'time_major');
  const y = g.uniqueName(`${prefix}_Y`);
  const yh = g.uniqueName(`${prefix}_Y_h`);
  g.addNode('LSTM', [timeMajor, w, r, bias], [y, yh], {
    hidden_size: OnnxAttr.int(u),
    direction: OnnxAttr.string('forward'),
    ...activationAttributes(spec, prefix),
  });
  if (spec.returnSequences) {
    // Y is [time, directions, batch, units].
    const squeezed = g.op('Squeeze', [y, g.addInt64Initializer(g.uniqueName('axes'), [1])]);
    const batchMajor = g.op('Transpose', [squeezed], { perm: OnnxAttr.ints([1, 0, 2]) }, 'batch_major');
    return { name: batchMajor, shape: [steps, u], channelsFirst: false };
  }
  // Y_h is [directions, batch, units].
  const last = g.op('Squeeze', [yh, g.addInt64Initializer(g.uniqueName('axes'), [0])], {}, 'last_step');
  return { name: last, shape: [u], channelsFirst: false };
}

/** `[rows, 4u]` with tfjs gate blocks → `[4u, rows]` with ONNX gate blocks. */
function gateMajor(packed: Float32Array, rows: number, u: number): Float32Array {
  const out = new Float32Array(4 * u * rows);
  TFJS_GATE_FOR_ONNX_GATE.forEach((tfGate, onnxGate) => {
    for (let j = 0; j < u; j++)
      for (let k = 0; k < rows; k++) out[(onnxGate * u + j) * rows + k] = packed[k * 4 * u + tfGate * u + j]!;
  });
  return out;
}

function activationAttributes(spec: LstmSpec, prefix: string): Record<string, OnnxAttribute> {
  // ONNX's f (gates), g (cell input) and h (cell output) map to tfjs's recurrentActivation,
  // activation, activation.
  const names = [spec.recurrentActivation, spec.activation, spec.activation].map((a) => {
    const op = ONNX_RNN_ACTIVATION[a];
    if (op === undefined) throw new UnsupportedLayerError(`${prefix}: LSTM activation '${a}' has no ONNX equivalent`);
    return op;
  });
  const attrs: Record<string, OnnxAttribute> = { activations: OnnxAttr.strings(names) };
  // Alphas/betas are consumed in order by the activations that take them; only
  // HardSigmoid does here, and tfjs's clip(0.2x + 0.5) is alpha 0.2, beta 0.5.
  const hard = names.filter((n) => n === 'HardSigmoid').length;
  if (hard > 0) {
    attrs['activation_alpha'] = OnnxAttr.floats(Array<number>(hard).fill(0.2));
    attrs['activation_beta'] = OnnxAttr.floats(Array<number>(hard).fill(0.5));
  }
  return attrs;
}
