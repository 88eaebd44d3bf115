import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import type { Conv2dSpec, MaxPool2dSpec, PaddingMode, UpSampling2dSpec } from './model-description.js';
import { applyActivation, expectLength, toChannelsFirst } from './export-context.js';
import type { ExportValue } from './export-context.js';
import { ModelExportError } from './export-errors.js';

/**
 * Conv2D → ONNX `Conv` on NCHW. The kernel is transposed from tfjs's
 * `[kh, kw, in, out]` to ONNX's `[out, in, kh, kw]`, and 'same' becomes explicit pads
 * placed as TensorFlow places them (the odd extra pixel at the bottom/right).
 */
export function exportConv2d(g: OnnxGraphBuilder, input: ExportValue, spec: Conv2dSpec, prefix: string): ExportValue {
  const x = toChannelsFirst(g, input);
  const [h, w, cin] = x.shape as [number, number, number];
  const [kh, kw] = spec.kernelSize;
  const cout = spec.filters;
  expectLength(spec.kernel, kh * kw * cin * cout, `${prefix} kernel`);
  expectLength(spec.bias, cout, `${prefix} bias`);
  const weights = new Float32Array(cout * cin * kh * kw);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) weights[((o * cin + i) * kh + y) * kw + xx] = spec.kernel[((y * kw + xx) * cin + i) * cout + o]!;
  const rows = window1d(h, kh, spec.strides[0], spec.dilations[0], spec.padding, prefix);
  const cols = window1d(w, kw, spec.strides[1], spec.dilations[1], spec.padding, prefix);
  const inputs = [x.name, g.addInitializer(g.uniqueName(`${prefix}_kernel`), weights, [cout, cin, kh, kw])];
  if (spec.bias) inputs.push(g.addInitializer(g.uniqueName(`${prefix}_bias`), spec.bias, [cout]));
  const y = g.op('Conv', inputs, {
    kernel_shape: OnnxAttr.ints([kh, kw]),
    strides: OnnxAttr.ints([...spec.strides]),
    dilations: OnnxAttr.ints([...spec.dilations]),
    pads: OnnxAttr.ints([rows.begin, cols.begin, rows.end, cols.end]),
  });
  return applyActivation(g, { name: y, shape: [rows.size, cols.size, cout], channelsFirst: true }, spec.activation);
}

/** MaxPooling2D → ONNX `MaxPool` on NCHW; padded cells never win, as in TensorFlow. */
export function exportMaxPool2d(g: OnnxGraphBuilder, input: ExportValue, spec: MaxPool2dSpec, prefix: string): ExportValue {
  const x = toChannelsFirst(g, input);
  const [h, w, c] = x.shape as [number, number, number];
  const rows = window1d(h, spec.poolSize[0], spec.strides[0], 1, spec.padding, prefix);
  const cols = window1d(w, spec.poolSize[1], spec.strides[1], 1, spec.padding, prefix);
  const y = g.op('MaxPool', [x.name], {
    kernel_shape: OnnxAttr.ints([...spec.poolSize]),
    strides: OnnxAttr.ints([...spec.strides]),
    pads: OnnxAttr.ints([rows.begin, cols.begin, rows.end, cols.end]),
  });
  return { name: y, shape: [rows.size, cols.size, c], channelsFirst: true };
}

/** UpSampling2D (nearest) → ONNX `Resize` whose floor/asymmetric mapping repeats each pixel exactly. */
export function exportUpSampling2d(g: OnnxGraphBuilder, input: ExportValue, spec: UpSampling2dSpec, prefix: string): ExportValue {
  const x = toChannelsFirst(g, input);
  const [h, w, c] = x.shape as [number, number, number];
  const [sh, sw] = spec.size;
  const scales = g.addInitializer(g.uniqueName(`${prefix}_scales`), new Float32Array([1, 1, sh, sw]), [4]);
  const y = g.op('Resize', [x.name, '', scales], {
    mode: OnnxAttr.string('nearest'),
    coordinate_transformation_mode: OnnxAttr.string('asymmetric'),
    nearest_mode: OnnxAttr.string('floor'),
  });
  return { name: y, shape: [h * sh, w * sw, c], channelsFirst: true };
}

/** Output size and TensorFlow-style padding of one spatial axis. */
function window1d(size: number, kernel: number, stride: number, dilation: number, padding: PaddingMode, prefix: string) {
  const span = (kernel - 1) * dilation + 1;
  const out = padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - span) / stride) + 1;
  if (out < 1) throw new ModelExportError(`${prefix}: window of ${span} does not fit an axis of ${size} with '${padding}' padding`);
  const total = padding === 'same' ? Math.max((out - 1) * stride + span - size, 0) : 0;
  const begin = Math.floor(total / 2);
  return { size: out, begin, end: total - begin };
}
