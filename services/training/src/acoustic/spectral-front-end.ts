import { OnnxAttr, OnnxDataType, melFilterbank, periodicHann, resolveLogMelOptions } from '@premonitor/ml';
import type { LogMelOptions, OnnxGraphBuilder } from '@premonitor/ml';

/** Tensors the acoustic front end yields; both come from one STFT. */
export interface SpectralFeatures {
  /** `[N, frames, nMels]` dB, the same values `addLogMelFeatures` computes. */
  readonly logMel: string;
  /** `[N, frames, lowBins]` dB of the linear STFT bins 1 … lowBins (DC dropped). */
  readonly lowBandDb: string;
}

/**
 * Float PCM `[N, samples]` → log-mel and a linear-frequency low band, sharing one STFT.
 *
 * The log-mel half repeats `addLogMelFeatures` op for op (float32 input), so features the
 * models were fitted on are identical; it is rebuilt here only because that helper does not
 * hand out its power spectrogram. The low band exists because 128 Slaney mel bands are
 * ≈ 24 Hz wide below 1 kHz, while the faults that matter there (imbalance lifts 1×,
 * looseness the harmonics and half orders) are single shaft tones 7.8 Hz STFT bins resolve.
 */
export function addSpectralFrontEnd(g: OnnxGraphBuilder, pcm: string, options: LogMelOptions, lowBins: number): SpectralFeatures {
  const o = resolveLogMelOptions({ ...options, inputType: 'float32' });
  let signal = g.op('Cast', [pcm], { to: OnnxAttr.int(OnnxDataType.FLOAT) }, 'pcm_float');
  if (o.center) {
    const half = Math.floor(o.nFft / 2);
    signal = g.op('Pad', [signal, g.addInt64Initializer(g.uniqueName('center_pads'), [0, half, 0, half])], { mode: OnnxAttr.string('reflect') }, 'centered');
  }
  signal = g.op('Unsqueeze', [signal, g.addInt64Initializer(g.uniqueName('channel_axis'), [2])]);
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
  const power = g.op('ReduceSumSquare', [spectrum], { axes: OnnxAttr.ints([-1]), keepdims: OnnxAttr.int(0) }, 'power');
  const toDb = (x: string, prefix: string): string => {
    const floored = g.op('Add', [x, g.addInitializer(g.uniqueName('amin'), new Float32Array([o.epsilon]), [])]);
    return g.op('Mul', [g.op('Log', [floored]), g.addInitializer(g.uniqueName('db_scale'), new Float32Array([10 / Math.LN10]), [])], {}, prefix);
  };
  const nBins = Math.floor(o.nFft / 2) + 1;
  const bank = melFilterbank({ sampleRate: o.sampleRate, nFft: o.nFft, nMels: o.nMels, fMin: o.fMin, fMax: o.fMax });
  const basis = new Float32Array(nBins * o.nMels);
  bank.forEach((row, m) => row.forEach((w, k) => (basis[k * o.nMels + m] = w)));
  const melPower = g.op('MatMul', [power, g.addInitializer(g.uniqueName('mel_basis'), basis, [nBins, o.nMels])], {}, 'mel_power');
  const low = g.op('Slice', [power, g.addInt64Initializer(g.uniqueName('low_start'), [1]), g.addInt64Initializer(g.uniqueName('low_end'), [1 + lowBins]), g.addInt64Initializer(g.uniqueName('bin_axis'), [2])]);
  return { logMel: toDb(melPower, 'log_mel'), lowBandDb: toDb(low, 'low_band_db') };
}
