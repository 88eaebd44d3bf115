import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { OnnxDataType } from '../onnx/onnx-schema.js';
import type { OnnxModelOptions } from '../onnx/graph-builder.js';
import { melFilterbank } from './mel-filterbank.js';

/** Parameters of the log-mel front end. Defaults match the DCASE 2020 baseline at 16 kHz. */
export interface LogMelOptions {
  /** Sample rate of the PCM input in Hz (default 16000). */
  readonly sampleRate?: number;
  /** STFT frame length and FFT size (default 1024). */
  readonly nFft?: number;
  /** Hop between frames in samples (default 512). */
  readonly hopLength?: number;
  /** Number of mel bands (default 64). */
  readonly nMels?: number;
  /** Lowest mel edge in Hz (default 0). */
  readonly fMin?: number;
  /** Highest mel edge in Hz (default sampleRate / 2). */
  readonly fMax?: number;
  /**
   * Reflect-pad `nFft / 2` samples at both ends so frame t is centred on sample t·hop, as
   * librosa's `center=True` does (default true).
   */
  readonly center?: boolean;
  /** Floor added to the mel power before the log, librosa's `amin` (default 1e-10). */
  readonly epsilon?: number;
  /** Element type of the PCM input: `'int16'` scaled by 1/32768, or `'float32'` in [-1, 1]. */
  readonly inputType?: 'int16' | 'float32';
}

/** {@link LogMelOptions} with every default filled in. */
export type ResolvedLogMelOptions = Required<LogMelOptions>;

/** Fills the defaults of {@link LogMelOptions}. */
export function resolveLogMelOptions(options: LogMelOptions = {}): ResolvedLogMelOptions {
  const sampleRate = options.sampleRate ?? 16000;
  return {
    sampleRate,
    nFft: options.nFft ?? 1024,
    hopLength: options.hopLength ?? 512,
    nMels: options.nMels ?? 64,
    fMin: options.fMin ?? 0,
    fMax: options.fMax ?? sampleRate / 2,
    center: options.center ?? true,
    epsilon: options.epsilon ?? 1e-10,
    inputType: options.inputType ?? 'int16',
  };
}

/** Number of frames the log-mel graph yields for `samples` input samples. */
export function logMelFrameCount(samples: number, options: LogMelOptions = {}): number {
  const o = resolveLogMelOptions(options);
  const padded = o.center ? samples + 2 * Math.floor(o.nFft / 2) : samples;
  return padded < o.nFft ? 0 : 1 + Math.floor((padded - o.nFft) / o.hopLength);
}

/**
 * Appends the power spectrogram to a graph: PCM `[batch, samples]` → |STFT|² as
 * `[batch, frames, nFft/2 + 1]`, periodic Hann window, frames centred with reflect padding
 * when `center`. The shared first stage of every acoustic front end, so all of them see the
 * same spectrum. Returns the name of the output tensor.
 */
export function addPowerSpectrum(g: OnnxGraphBuilder, pcm: string, options: LogMelOptions = {}): string {
  const o = resolveLogMelOptions(options);
  let signal = g.op('Cast', [pcm], { to: OnnxAttr.int(OnnxDataType.FLOAT) }, 'pcm_float');
  if (o.inputType === 'int16') {
    signal = g.op('Mul', [signal, g.addInitializer(g.uniqueName('int16_scale'), new Float32Array([1 / 32768]), [])]);
  }
  if (o.center) {
    const half = Math.floor(o.nFft / 2);
    const pads = g.addInt64Initializer(g.uniqueName('center_pads'), [0, half, 0, half]);
    signal = g.op('Pad', [signal, pads], { mode: OnnxAttr.string('reflect') }, 'centered');
  }
  // STFT wants [batch, samples, 1] for a real signal.
  const channelAxis = g.addInt64Initializer(g.uniqueName('channel_axis'), [2]);
  signal = g.op('Unsqueeze', [signal, channelAxis]);
  const spectrum = g.op(
    'STFT',
    [
      signal,
      g.addInt64Initializer(g.uniqueName('hop'), [o.hopLength], []),
      g.addInitializer(g.uniqueName('hann'), periodicHann(o.nFft), [o.nFft]),
      g.addInt64Initializer(g.uniqueName('frame_length'), [o.nFft], []),
    ],
    { onesided: OnnxAttr.int(1) },
  );
  // [batch, frames, bins, (re, im)] → re² + im²
  return g.op('ReduceSumSquare', [spectrum], { axes: OnnxAttr.ints([-1]), keepdims: OnnxAttr.int(0) }, 'power');
}

/** Appends `10·log10(x + epsilon)`: power to decibels (librosa `power_to_db`, `ref=1`, no clipping). */
export function addPowerToDb(g: OnnxGraphBuilder, power: string, epsilon: number, name = 'db'): string {
  const floored = g.op('Add', [power, g.addInitializer(g.uniqueName('amin'), new Float32Array([epsilon]), [])]);
  const ln = g.op('Log', [floored]);
  return g.op('Mul', [ln, g.addInitializer(g.uniqueName('db_scale'), new Float32Array([10 / Math.LN10]), [])], {}, name);
}

/**
 * Appends the log-mel front end to a graph: PCM `[batch, samples]` → `[batch, frames, nMels]`
 * in decibels, `10·log10(melPower + epsilon)` (librosa `power_to_db` with `ref=1`, no
 * `top_db` clipping). Power is |STFT|² with a periodic Hann window and no normalisation.
 *
 * Runs entirely as ONNX ops (`STFT`, opset 17) so the edge and the core compute identical
 * features from the same raw frame. Returns the name of the output tensor.
 */
export function addLogMelFeatures(g: OnnxGraphBuilder, pcm: string, options: LogMelOptions = {}): string {
  const o = resolveLogMelOptions(options);
  const power = addPowerSpectrum(g, pcm, o);
  const melPower = g.op('MatMul', [power, g.addInitializer(g.uniqueName('mel_basis'), ...melBasis(o))], {}, 'mel_power');
  return addPowerToDb(g, melPower, o.epsilon, 'log_mel');
}

export function buildLogMelModel(options: LogMelOptions = {}, model: OnnxModelOptions = {}): Uint8Array {
  const o = resolveLogMelOptions(options);
  const g = new OnnxGraphBuilder('log_mel');
  const pcm = g.addInput('pcm', ['batch', 'samples'], o.inputType === 'int16' ? OnnxDataType.INT16 : OnnxDataType.FLOAT);
  g.addOutput(addLogMelFeatures(g, pcm, o), ['batch', 'frames', o.nMels]);
  return g.toModelBytes(model);
}

/** Periodic Hann window (`scipy.signal.get_window('hann', n)`, librosa's default). */
export function periodicHann(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

/** The mel filterbank as a `[bins, mels]` MatMul constant: its values and its dims. */
export function melBasis(o: ResolvedLogMelOptions): [Float32Array, number[]] {
  const bank = melFilterbank({ sampleRate: o.sampleRate, nFft: o.nFft, nMels: o.nMels, fMin: o.fMin, fMax: o.fMax });
  const nBins = Math.floor(o.nFft / 2) + 1;
  // Transposed to [bins, mels] so power [.., bins] @ basis gives [.., mels].
  const basis = new Float32Array(nBins * o.nMels);
  bank.forEach((row, m) => row.forEach((w, k) => (basis[k * o.nMels + m] = w)));
  return [basis, [nBins, o.nMels]];
}
