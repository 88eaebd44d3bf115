/** Parameters of a mel filterbank; defaults follow `librosa.filters.mel`. */
export interface MelFilterbankOptions {
  /** Sample rate of the audio in Hz. */
  readonly sampleRate: number;
  /** FFT size; the bank covers its `nFft / 2 + 1` one-sided bins. */
  readonly nFft: number;
  /** Number of mel bands (default 64). */
  readonly nMels?: number;
  /** Lowest band edge in Hz (default 0). */
  readonly fMin?: number;
  /** Highest band edge in Hz (default `sampleRate / 2`). */
  readonly fMax?: number;
}

// Slaney's Auditory Toolbox scale, librosa's default (htk=False): linear below 1 kHz,
// logarithmic above, joined continuously at 1 kHz = 15 mel.
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

/** Hz → mel on the Slaney scale (librosa `hz_to_mel(htk=False)`). */
export function hzToMel(hz: number): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

/** Mel → Hz on the Slaney scale (librosa `mel_to_hz(htk=False)`). */
export function melToHz(mel: number): number {
  return mel < MIN_LOG_MEL ? F_SP * mel : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

/**
 * The mel weight matrix of `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax)` with its
 * defaults `htk=False, norm='slaney'`: triangles between adjacent mel-spaced edges, each
 * scaled by `2 / (upper − lower edge in Hz)` so every filter has unit area in Hz.
 *
 * Unlike ONNX's `MelWeightMatrix`, edges are not snapped to FFT bins, so narrow low bands
 * keep their exact shape. Returned row-major as `[nMels][nFft/2 + 1]` in float64.
 */
export function melFilterbank(options: MelFilterbankOptions): Float64Array[] {
  const { sampleRate, nFft } = options;
  const nMels = options.nMels ?? 64;
  const fMin = options.fMin ?? 0;
  const fMax = options.fMax ?? sampleRate / 2;
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) {
    throw new RangeError(`mel band edges must satisfy 0 ≤ fMin < fMax ≤ sampleRate/2, got ${fMin}..${fMax} Hz at ${sampleRate} Hz`);
  }
  const nBins = Math.floor(nFft / 2) + 1;
  const binHz = Array.from({ length: nBins }, (_, k) => (k * sampleRate) / nFft);
  const melMin = hzToMel(fMin);
  const melMax = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  const bank: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (hi - lo);
    const row = new Float64Array(nBins);
    for (let k = 0; k < nBins; k++) {
      const rising = (binHz[k]! - lo) / (mid - lo);
      const falling = (hi - binHz[k]!) / (hi - mid);
      row[k] = Math.max(0, Math.min(rising, falling)) * norm;
    }
    bank.push(row);
  }
  return bank;
}
