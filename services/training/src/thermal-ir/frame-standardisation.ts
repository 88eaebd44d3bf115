import { OnnxAttr } from '@premonitor/ml';
import type { OnnxGraphBuilder } from '@premonitor/ml';

/**
 * Below this spread an image is treated as flat (its values only centred). Small next to any
 * real image — 8-bit levels, 16-bit counts or °C of a module all vary by more — so it never
 * changes a real image's scaling, only guards the division.
 */
export const MIN_SPREAD = 1e-3;

/**
 * The model input normalisation, mirrored by {@link addFrameStandardisation} in the graph:
 * each image minus its mean, divided by its standard deviation (population). Any increasing
 * linear map of the image — 8-bit or 16-bit levels, °C from a range or a gain/offset scale —
 * gives the same result, so an image scored with or without its temperature scale gets the
 * same score.
 */
export function standardiseFrame(values: Float32Array, out = new Float32Array(values.length)): Float32Array {
  const { mean, spread } = frameLevel(values);
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! - mean) / spread;
  return out;
}

/** The mean and the spread (population sd, at least {@link MIN_SPREAD}) that {@link standardiseFrame} removes. */
export function frameLevel(values: Float32Array): { readonly mean: number; readonly spread: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, spread: Math.max(Math.sqrt(variance / values.length), MIN_SPREAD) };
}

/** `frame [N, H, W]` → standardised `[N, H, W]`, as {@link standardiseFrame} computes it. */
export function addFrameStandardisation(g: OnnxGraphBuilder, frame: string): string {
  const axes = { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(1) };
  const centred = g.op('Sub', [frame, g.op('ReduceMean', [frame], axes)]);
  const spread = g.op('Sqrt', [g.op('ReduceMean', [g.op('Mul', [centred, centred])], axes)]);
  const floor = g.addInitializer(g.uniqueName('min_spread'), new Float32Array([MIN_SPREAD]), []);
  return g.op('Div', [centred, g.op('Max', [spread, floor])], {}, 'standardised');
}
