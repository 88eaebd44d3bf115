import * as ort from 'onnxruntime-node';
import { SeededRandom } from '../data/seeded-random.js';

/**
 * Helpers shared by the exporter parity specs: deterministic inputs, running exported
 * bytes in onnxruntime, comparing outputs. Not part of the package's public API.
 */

/** Seeded uniform numbers in [lo, hi). */
export function seededUniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => random.uniform(lo, hi));
}

/** Runs a single-input, single-output ONNX model once on the CPU with one thread. */
export async function runOnnx(modelBytes: Uint8Array, input: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
    const out = result[session.outputNames[0]!]!;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** Largest element-wise |a − b|; throws if the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
