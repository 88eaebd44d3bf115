import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import type { ActivationName } from './model-description.js';
import { ModelExportError, UnsupportedLayerError } from './export-errors.js';

/**
 * The value flowing between layers while exporting.
 *
 * `shape` is always the framework's logical shape without batch (channels-last for
 * images). `channelsFirst` says whether the physical ONNX tensor is currently NCHW: ONNX
 * convolutions need NCHW while dense and flatten layers need tfjs's NHWC order, so
 * transposes are inserted only where the required layout changes.
 */
export interface ExportValue {
  /** ONNX tensor name. */
  readonly name: string;
  /** Logical shape without batch, in the framework's (channels-last) order. */
  readonly shape: readonly number[];
  /** Whether the physical tensor is NCHW rather than the logical order. */
  readonly channelsFirst: boolean;
}

/** Converts one layer: appends its nodes to `g` and returns the value it produces. */
export type LayerConverter<S> = (g: OnnxGraphBuilder, x: ExportValue, spec: S, prefix: string) => ExportValue;

/** Ensures the physical tensor is channels-first (NCHW) for a 4-D image value. */
export function toChannelsFirst(g: OnnxGraphBuilder, x: ExportValue): ExportValue {
  if (x.channelsFirst) return x;
  if (x.shape.length !== 3) throw new ModelExportError(`an image layer needs an [h, w, c] input, got [${x.shape.join(', ')}]`);
  return { ...x, name: g.op('Transpose', [x.name], { perm: OnnxAttr.ints([0, 3, 1, 2]) }, 'to_nchw'), channelsFirst: true };
}

/** Ensures the physical tensor is in the framework's channels-last order. */
export function toChannelsLast(g: OnnxGraphBuilder, x: ExportValue): ExportValue {
  if (!x.channelsFirst) return x;
  return { ...x, name: g.op('Transpose', [x.name], { perm: OnnxAttr.ints([0, 2, 3, 1]) }, 'to_nhwc'), channelsFirst: false };
}

/** ONNX op for an activation; softmax runs over the channel axis, so it needs channels-last. */
export function applyActivation(g: OnnxGraphBuilder, x: ExportValue, activation: ActivationName): ExportValue {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return { ...x, name: g.op('Relu', [x.name]) };
    case 'sigmoid':
      return { ...x, name: g.op('Sigmoid', [x.name]) };
    case 'tanh':
      return { ...x, name: g.op('Tanh', [x.name]) };
    case 'hardSigmoid':
      // tfjs: clip(0.2·x + 0.5, 0, 1), which is ONNX HardSigmoid's default.
      return { ...x, name: g.op('HardSigmoid', [x.name], { alpha: OnnxAttr.float(0.2), beta: OnnxAttr.float(0.5) }) };
    case 'softmax': {
      const last = toChannelsLast(g, x);
      return { ...last, name: g.op('Softmax', [last.name], { axis: OnnxAttr.int(-1) }) };
    }
    default:
      throw new UnsupportedLayerError(`activation '${String(activation)}' has no ONNX export; use ${['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'].join(', ')}`);
  }
}

/** Throws unless `data` has exactly `expected` values; names the layer and tensor. */
export function expectLength(data: Float32Array | undefined, expected: number, what: string): void {
  if (data !== undefined && data.length !== expected) {
    throw new ModelExportError(`${what} has ${data.length} values, expected ${expected} from the layer shapes`);
  }
}
