import { OnnxAttr } from '@premonitor/ml';
import type { OnnxGraphBuilder } from '@premonitor/ml';

/**
 * Clip-level descriptors scored by their own Gaussians beside the frame model. Each has a
 * TypeScript version (training rows) and a graph version (deployed model) that compute
 * the same numbers from the same front-end tensors.
 *
 * - *statistics*: per mel band, the mean and standard deviation over the clip's frames
 *   (`2 × mels`): a clip-level Gaussian sees steady level changes of a band and how much
 *   it fluctuates, which a 3-frame window averages away.
 * - *low-band peak profile*: the `peaks` largest values of the clip's mean low-band
 *   spectrum (dB, STFT bins 1 … bins) relative to that spectrum's mean, sorted. Sorting
 *   makes it independent of the machine's speed, which differs per instance and is unknown
 *   at inference; what remains is "how strong are the strongest shaft tones against the
 *   rest" — what imbalance (1× up to +12 dB) and looseness (more and stronger harmonics,
 *   half orders) change.
 */

/** `[2·mels]`: per-band mean then per-band standard deviation over the frames of `logMel` (`[frames × mels]`). */
export function clipStatistics(logMel: Float32Array, mels: number): Float32Array {
  const frames = logMel.length / mels;
  const out = new Float32Array(2 * mels);
  for (let m = 0; m < mels; m++) {
    let mean = 0;
    for (let t = 0; t < frames; t++) mean += logMel[t * mels + m]!;
    mean /= frames;
    let variance = 0;
    for (let t = 0; t < frames; t++) variance += (logMel[t * mels + m]! - mean) ** 2;
    out[m] = mean;
    out[mels + m] = Math.sqrt(variance / frames);
  }
  return out;
}

/** `[peaks]`: the low-band peak profile of one clip's `lowBandDb` (`[frames × bins]`). */
export function lowBandProfile(lowBandDb: Float32Array, bins: number, peaks: number): Float32Array {
  const frames = lowBandDb.length / bins;
  const spectrum = new Float64Array(bins);
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) spectrum[b]! += lowBandDb[t * bins + b]! / frames;
  const level = spectrum.reduce((a, v) => a + v, 0) / bins;
  const sorted = Array.from(spectrum).sort((a, b) => b - a);
  return Float32Array.from(sorted.slice(0, peaks), (v) => v - level);
}

/** Graph version of {@link clipStatistics}: `[N, frames, mels]` → `[N, 2·mels]`. */
export function addClipStatistics(g: OnnxGraphBuilder, logMel: string): string {
  const mean = g.op('ReduceMean', [logMel], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(1) }, 'band_mean_t');
  const centred = g.op('Sub', [logMel, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) });
  const flatMean = g.op('ReduceMean', [logMel], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) });
  return g.op('Concat', [flatMean, g.op('Sqrt', [variance])], { axis: OnnxAttr.int(1) }, 'clip_statistics');
}

/** Graph version of {@link lowBandProfile}: `[N, frames, bins]` → `[N, peaks]` (TopK, sorted). */
export function addLowBandProfile(g: OnnxGraphBuilder, lowBandDb: string, peaks: number): string {
  const spectrum = g.op('ReduceMean', [lowBandDb], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) }, 'low_spectrum');
  const level = g.op('ReduceMean', [spectrum], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(1) });
  const relative = g.op('Sub', [spectrum, level]);
  const values = g.uniqueName('low_peaks');
  g.addNode('TopK', [relative, g.addInt64Initializer(g.uniqueName('peaks'), [peaks])], [values, g.uniqueName('low_peak_bins')], { axis: OnnxAttr.int(1), largest: OnnxAttr.int(1), sorted: OnnxAttr.int(1) });
  return values;
}
