import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
/** The one backend method the kernels below need (tfjs types the backend as `{}`). */
interface Backend {
  disposeData(dataId: object): void;
}
type Info = tf.TensorInfo;
type ExplicitPads = [[number, number], [number, number], [number, number], [number, number]];

let registered = false;

/**
 * Makes Conv2D trainable at speed on tfjs's WASM backend. That backend has no
 * `Conv2DBackpropFilter` kernel (training a conv net fails), and its `Conv2DBackpropInput`
 * is a plain loop about 10× slower than its XNNPACK forward convolution. For stride 1 and
 * dilation 1 both gradients are forward convolutions — the input gradient is the output
 * gradient convolved with the kernel flipped and its channels swapped; the kernel gradient
 * is the padded input, batch and channels swapped, convolved with the output gradient as the
 * kernel (dilated by the stride, so any stride works) — so they are registered that way. The
 * input gradient of a strided conv falls back to the backend's own kernel. Idempotent; call
 * after `useTfjsBackend('wasm')`.
 */
export function registerWasmConvGradients(): void {
  if (registered) return;
  const kernel = (name: string): KernelFunc => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`tfjs wasm kernel '${name}' is missing; is the wasm backend initialised?`);
    return config.kernelFunc;
  };
  const conv2d = kernel('Conv2D');
  const transpose = kernel('Transpose');
  const reverse = kernel('Reverse');
  const pad = kernel('PadV2');
  const slice = kernel('Slice');
  const nativeInput = kernel('Conv2DBackpropInput');
  const run = (f: KernelFunc, backend: Backend, inputs: Record<string, Info>, attrs: tf.NamedAttrMap | undefined): Info => f({ inputs, backend, attrs: attrs ?? {} }) as Info;
  const free = (backend: Backend, ...infos: Info[]): void => infos.forEach((t) => backend.disposeData(t.dataId));

  replaceKernel('Conv2DBackpropInput', ({ inputs, backend: b, attrs }) => {
    const backend = b as Backend;
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const c = convInfo(a.inputShape, filter.shape as [number, number, number, number], a);
    if (!fastPath(c, a.dataFormat)) return run(nativeInput, backend, { dy, filter }, attrs);
    const { top, bottom, left, right } = c.padInfo;
    const flipped = run(reverse, backend, { x: filter }, { dims: [0, 1] });
    const swapped = run(transpose, backend, { x: flipped }, { perm: [0, 1, 3, 2] });
    const pads: ExplicitPads = [[0, 0], [c.filterHeight - 1 - top, c.filterHeight - 1 - bottom], [c.filterWidth - 1 - left, c.filterWidth - 1 - right], [0, 0]];
    const dx = run(conv2d, backend, { x: dy, filter: swapped }, { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1] });
    free(backend, flipped, swapped);
    return dx;
  });

  replaceKernel('Conv2DBackpropFilter', ({ inputs, backend: b, attrs }) => {
    const backend = b as Backend;
    const { x, dy } = inputs as { x: Info; dy: Info };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const c = convInfo(x.shape as [number, number, number, number], a.filterShape, a);
    if (a.dataFormat !== 'NHWC' || c.dilationHeight !== 1 || c.dilationWidth !== 1) throw new Error('Conv2DBackpropFilter on wasm supports NHWC without dilation only');
    const { top, bottom, left, right } = c.padInfo;
    const padded = run(pad, backend, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
    // [N, H, W, Cin] → [Cin, H, W, N]: each input channel becomes a batch item over the N images.
    const images = run(transpose, backend, { x: padded }, { perm: [3, 1, 2, 0] });
    // [N, OH, OW, Cout] → [OH, OW, N, Cout]: the output gradient is the kernel, dilated by the stride.
    const kernelGrad = run(transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] });
    const product = run(conv2d, backend, { x: images, filter: kernelGrad }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [c.strideHeight, c.strideWidth] });
    // A stride that does not divide the padded size leaves extra rows/columns past the kernel.
    const [kh, kw, cin, cout] = a.filterShape;
    const cropped = product.shape[1] === kh && product.shape[2] === kw ? product : run(slice, backend, { x: product }, { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] });
    // [Cin, KH, KW, Cout] → [KH, KW, Cin, Cout]
    const dw = run(transpose, backend, { x: cropped }, { perm: [1, 2, 0, 3] });
    free(backend, padded, images, kernelGrad, product, ...(cropped === product ? [] : [cropped]));
    return dw;
  });
  registered = true;
}

function replaceKernel(kernelName: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

function convInfo(inShape: readonly number[], filterShape: readonly number[], a: { strides: number | [number, number]; pad: tf.Conv2DBackpropInputAttrs['pad']; dimRoundingMode?: 'floor' | 'round' | 'ceil' }) {
  return tf.backend_util.computeConv2DInfo(inShape as [number, number, number, number], filterShape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
}

function fastPath(c: tf.backend_util.Conv2DInfo, dataFormat: string): boolean {
  return dataFormat === 'NHWC' && c.strideHeight === 1 && c.strideWidth === 1 && c.dilationHeight === 1 && c.dilationWidth === 1;
}
