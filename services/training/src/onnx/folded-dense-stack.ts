import { OnnxAttr } from '@premonitor/ml';
import type { LayerSpec, OnnxGraphBuilder } from '@premonitor/ml';
import { ModelShapeError } from '../training-errors.js';
import type { Int8Initializers } from './int8-initializers.js';

/** A dense layer with any following BatchNorm folded into its weights. */
export interface FoldedDense {
  readonly inputs: number;
  readonly units: number;
  /** Row-major `[inputs, units]`. */
  readonly kernel: Float32Array;
  /** `[units]`. */
  readonly bias: Float32Array;
  readonly relu: boolean;
}

/**
 * Folds `Dense → BatchNorm → ReLU` triples (inference-time BatchNorm is an affine map per
 * unit) into one MatMul + Add + Relu, which also gives the INT8 variant one weight matrix
 * per layer to quantise.
 */
export function foldDenseStack(layers: readonly LayerSpec[], inputs: number): FoldedDense[] {
  const out: FoldedDense[] = [];
  let width = inputs;
  for (const layer of layers) {
    const last = out.at(-1);
    if (layer.kind === 'dense') {
      if (layer.activation !== 'linear' && layer.activation !== 'relu') throw new ModelShapeError(`dense activation '${layer.activation}' cannot be folded; use linear or relu`);
      out.push({ inputs: width, units: layer.units, kernel: Float32Array.from(layer.kernel), bias: layer.bias ? Float32Array.from(layer.bias) : new Float32Array(layer.units), relu: layer.activation === 'relu' });
      width = layer.units;
    } else if (layer.kind === 'batchNorm' && last && !last.relu) {
      for (let u = 0; u < last.units; u++) {
        const k = (layer.gamma?.[u] ?? 1) / Math.sqrt(layer.movingVariance[u]! + layer.epsilon);
        for (let i = 0; i < last.inputs; i++) last.kernel[i * last.units + u]! *= k;
        last.bias[u] = (last.bias[u]! - layer.movingMean[u]!) * k + (layer.beta?.[u] ?? 0);
      }
    } else if (layer.kind === 'activation' && last && !last.relu && (layer.activation === 'relu' || layer.activation === 'linear')) {
      out[out.length - 1] = { ...last, relu: layer.activation === 'relu' };
    } else {
      throw new ModelShapeError(`layer '${layer.kind}' does not fit the Dense[→BatchNorm][→ReLU] pattern`);
    }
  }
  return out;
}

/**
 * Appends the folded stack to a graph after `input` (`[..., inputs]`). With `int8`, each
 * kernel is stored as symmetric per-unit INT8 with a `DequantizeLinear` in front of its
 * MatMul: a quarter of the bytes, float arithmetic.
 */
export function addFoldedDenseStack(g: OnnxGraphBuilder, input: string, layers: readonly FoldedDense[], int8?: Int8Initializers): string {
  let x = input;
  layers.forEach((layer, i) => {
    let weight: string;
    if (int8) {
      const { values, scales } = quantizePerUnit(layer.kernel, layer.inputs, layer.units);
      const q = int8.add(g.uniqueName(`w${i}_int8`), values, [layer.inputs, layer.units]);
      weight = g.op('DequantizeLinear', [q, g.addInitializer(g.uniqueName(`w${i}_scale`), scales, [layer.units])], { axis: OnnxAttr.int(1) }, `w${i}`);
    } else {
      weight = g.addInitializer(g.uniqueName(`w${i}`), layer.kernel, [layer.inputs, layer.units]);
    }
    x = g.op('MatMul', [x, weight]);
    x = g.op('Add', [x, g.addInitializer(g.uniqueName(`b${i}`), layer.bias, [layer.units])]);
    if (layer.relu) x = g.op('Relu', [x]);
  });
  return x;
}

/** Symmetric INT8 per output unit: `w ≈ q · scale[u]`, q in [−127, 127]. */
export function quantizePerUnit(kernel: Float32Array, inputs: number, units: number): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(units);
  for (let u = 0; u < units; u++) {
    let max = 0;
    for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(kernel[i * units + u]!));
    scales[u] = max > 0 ? max / 127 : 1;
  }
  const values = new Int8Array(kernel.length);
  for (let i = 0; i < inputs; i++) {
    for (let u = 0; u < units; u++) values[i * units + u] = Math.round(kernel[i * units + u]! / scales[u]!);
  }
  return { values, scales };
}
