import { OnnxAttr } from '../onnx/onnx-attribute.js';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { WindowInputError } from '../telemetry/telemetry-errors.js';

/** How a vibration window becomes features: per channel its mean, log RMS and log band energies. */
export interface VibrationFeatureSpec {
  /** Samples per window (200 for the fan recordings). */
  readonly samples: number;
  readonly channels: number;
  /** Spectrum bins 1 … ⌊samples/2⌋ are summed into this many equal bands (DC left out). */
  readonly bands: number;
}

/** Features per window: `channels × (bands + 2)`. */
export function vibrationFeatureCount(spec: VibrationFeatureSpec): number {
  return spec.channels * (spec.bands + 2);
}

/** Floor added before the logarithms, in g² (keeps a silent band finite). */
const EPS = 1e-8;

function checkSpec(spec: VibrationFeatureSpec): number {
  const bins = Math.floor(spec.samples / 2);
  if (!(Number.isInteger(spec.samples) && spec.samples >= 8 && Number.isInteger(spec.channels) && spec.channels >= 1 && Number.isInteger(spec.bands) && spec.bands >= 1 && spec.bands <= bins)) {
    throw new WindowInputError(`vibration features need samples ≥ 8, channels ≥ 1 and 1 ≤ bands ≤ samples/2; got ${spec.samples}, ${spec.channels}, ${spec.bands}`);
  }
  return bins;
}

/** The band each spectrum bin 1 … bins belongs to. */
function bandOf(bin: number, bins: number, bands: number): number {
  return Math.min(bands - 1, Math.floor(((bin - 1) * bands) / bins));
}

/**
 * Features of one window `[samples, channels]` (row-major, as the sensor streams it), in
 * float64: for each channel, its mean (the gravity direction: mounting and tilt), the log of
 * its RMS around that mean, and the log power in each band of its DFT. The same arithmetic
 * as {@link addVibrationFeatures} writes into a graph.
 */
export function vibrationFeatures(window: ArrayLike<number>, spec: VibrationFeatureSpec): Float64Array {
  const bins = checkSpec(spec);
  const { samples: n, channels: c, bands } = spec;
  if (window.length !== n * c) throw new WindowInputError(`a vibration window must hold ${n} samples × ${c} channels = ${n * c} values, got ${window.length}`);
  const out = new Float64Array(vibrationFeatureCount(spec));
  const x = new Float64Array(n);
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += window[i * c + ch]!;
    mean /= n;
    let power = 0;
    for (let i = 0; i < n; i++) {
      x[i] = window[i * c + ch]! - mean;
      power += x[i]! * x[i]!;
    }
    const base = ch * (bands + 2);
    out[base] = mean;
    out[base + 1] = 0.5 * Math.log(power / n + EPS);
    const band = new Float64Array(bands);
    for (let k = 1; k <= bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        const angle = (2 * Math.PI * k * i) / n;
        re += x[i]! * Math.cos(angle);
        im -= x[i]! * Math.sin(angle);
      }
      band[bandOf(k, bins, bands)]! += (re * re + im * im) / (n * n);
    }
    for (let b = 0; b < bands; b++) out[base + 2 + b] = Math.log(band[b]! + EPS);
  }
  return out;
}

/**
 * Appends the feature front end to a graph: `window [N, samples, channels]` → `[N,
 * channels × (bands + 2)]`, the DFT as two MatMuls with fixed cosine and sine bases (exact,
 * and cheaper than STFT for one short frame).
 */
export function addVibrationFeatures(g: OnnxGraphBuilder, window: string, spec: VibrationFeatureSpec): string {
  const bins = checkSpec(spec);
  const { samples: n, channels: c, bands } = spec;
  const perChannel = g.op('Transpose', [window], { perm: OnnxAttr.ints([0, 2, 1]) }, 'per_channel');
  const mean = g.op('ReduceMean', [perChannel], { axes: OnnxAttr.ints([2]), keepdims: OnnxAttr.int(1) }, 'channel_mean');
  const centred = g.op('Sub', [perChannel, mean], {}, 'centred');
  const eps = g.addInitializer(g.uniqueName('eps'), new Float32Array([EPS]), []);
  const half = g.addInitializer(g.uniqueName('half'), new Float32Array([0.5]), []);
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: OnnxAttr.ints([2]), keepdims: OnnxAttr.int(1) });
  const logRms = g.op('Mul', [g.op('Log', [g.op('Add', [meanSquare, eps])]), half], {}, 'log_rms');
  const cos = new Float32Array(n * bins);
  const sin = new Float32Array(n * bins);
  for (let i = 0; i < n; i++) {
    for (let k = 1; k <= bins; k++) {
      const angle = (2 * Math.PI * k * i) / n;
      cos[i * bins + k - 1] = Math.cos(angle) / n;
      sin[i * bins + k - 1] = Math.sin(angle) / n;
    }
  }
  const re = g.op('MatMul', [centred, g.addInitializer(g.uniqueName('dft_cos'), cos, [n, bins])]);
  const im = g.op('MatMul', [centred, g.addInitializer(g.uniqueName('dft_sin'), sin, [n, bins])]);
  const power = g.op('Add', [g.op('Mul', [re, re]), g.op('Mul', [im, im])], {}, 'power');
  const membership = new Float32Array(bins * bands);
  for (let k = 1; k <= bins; k++) membership[(k - 1) * bands + bandOf(k, bins, bands)] = 1;
  const bandPower = g.op('MatMul', [power, g.addInitializer(g.uniqueName('bands'), membership, [bins, bands])]);
  const logBands = g.op('Log', [g.op('Add', [bandPower, eps])], {}, 'log_bands');
  const joined = g.op('Concat', [mean, logRms, logBands], { axis: OnnxAttr.int(2) });
  return g.op('Reshape', [joined, g.addInt64Initializer(g.uniqueName('flat'), [-1, c * (bands + 2)])], {}, 'vibration_features');
}
