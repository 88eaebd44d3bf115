import { addPowerSpectrum, addPowerToDb, melBasis, resolveLogMelOptions } from '@premonitor/ml';
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
 * Both halves start from the toolkit's `addPowerSpectrum`, so the log-mel is exactly what
 * `addLogMelFeatures` computes (float32 input). The low band exists because 128 Slaney mel bands are
 * ≈ 24 Hz wide below 1 kHz, while the faults that matter there (imbalance lifts 1×,
 * looseness the harmonics and half orders) are single shaft tones 7.8 Hz STFT bins resolve.
 */
export function addSpectralFrontEnd(g: OnnxGraphBuilder, pcm: string, options: LogMelOptions, lowBins: number): SpectralFeatures {
  const o = resolveLogMelOptions({ ...options, inputType: 'float32' });
  const power = addPowerSpectrum(g, pcm, o);
  const melPower = g.op('MatMul', [power, g.addInitializer(g.uniqueName('mel_basis'), ...melBasis(o))], {}, 'mel_power');
  const low = g.op('Slice', [power, g.addInt64Initializer(g.uniqueName('low_start'), [1]), g.addInt64Initializer(g.uniqueName('low_end'), [1 + lowBins]), g.addInt64Initializer(g.uniqueName('bin_axis'), [2])]);
  return { logMel: addPowerToDb(g, melPower, o.epsilon, 'log_mel'), lowBandDb: addPowerToDb(g, low, o.epsilon, 'low_band_db') };
}
