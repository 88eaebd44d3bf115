import { fftInPlace } from '../features/fft.js';

/**
 * Edges (Hz) of the octave bands of a clip's coarse spectrum: 7 bands from 62.5 Hz to 8 kHz,
 * the range the acoustic models' 16-kHz log-mel front end covers.
 */
export const BAND_EDGES_HZ: readonly number[] = [62.5, 125, 250, 500, 1_000, 2_000, 4_000, 8_000];

/** Samples per spectrum segment (a power of two): 64 ms at 16 kHz, bins 15.6 Hz apart. */
const SEGMENT = 1_024;
/** Most segments read per clip. */
const MAX_SEGMENTS = 4;

/**
 * A clip's coarse spectrum for input drift (issue 14, item 7): the share of its energy in each
 * octave band of {@link BAND_EDGES_HZ}, summing to 1 — so a louder or quieter clip of the same
 * sound has the same shares, and a sound whose spectrum moves has different ones. Welch's
 * method: the power spectra of up to {@link MAX_SEGMENTS} Hann-windowed segments of
 * {@link SEGMENT} samples spread evenly over the clip (shorter clips: one segment of the largest
 * power of two that fits), summed per band. Bands
 * above 0.45 × the sample rate are 0. Samples as 16-bit PCM or ±1 floats (only the shares
 * matter). A silent or too short (< 32 samples) clip: all 0. It runs on inference's event loop
 * for every clip, so it is cheap: about 0.1 CPU-ms for 1 s at 16 kHz.
 */
export function bandEnergyShares(samples: ArrayLike<number>, sampleRate: number): number[] {
  const bands = BAND_EDGES_HZ.length - 1;
  const energies = new Array<number>(bands).fill(0);
  const size = segmentSize(samples.length);
  if (size > 0) {
    const { window, re, im, bandOfBin } = spectrumPlan(size, sampleRate);
    // At most MAX_SEGMENTS segments, spread evenly over the clip: the drift monitor averages the
    // shares over a window of clips, so a quarter of each second is plenty and costs a quarter.
    const count = Math.min(MAX_SEGMENTS, Math.floor(samples.length / size));
    const stride = count > 1 ? Math.floor((samples.length - size) / (count - 1)) : 0;
    for (let s = 0; s < count; s++) {
      const start = s * stride;
      for (let i = 0; i < size; i++) {
        re[i] = samples[start + i]! * window[i]!;
        im[i] = 0;
      }
      fftInPlace(re, im);
      for (let k = 1; k <= size / 2; k++) {
        const b = bandOfBin[k]!;
        if (b >= 0) energies[b]! += re[k]! * re[k]! + im[k]! * im[k]!;
      }
    }
  }
  const total = energies.reduce((a, e) => a + e, 0);
  return energies.map((e) => (total > 0 ? round(e / total) : 0));
}

function segmentSize(length: number): number {
  if (length >= SEGMENT) return SEGMENT;
  let size = 32;
  if (length < size) return 0;
  while (size * 2 <= length) size *= 2;
  return size;
}

interface SpectrumPlan {
  readonly window: Float64Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** The band each FFT bin adds to, −1 for none (outside the bands, or a band above 0.45 × rate). */
  readonly bandOfBin: Int8Array;
}

const plans = new Map<string, SpectrumPlan>();

function spectrumPlan(size: number, sampleRate: number): SpectrumPlan {
  const key = `${size}/${sampleRate}`;
  let plan = plans.get(key);
  if (!plan) {
    const window = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
    const bandOfBin = new Int8Array(size / 2 + 1).fill(-1);
    for (let k = 0; k <= size / 2; k++) {
      const hz = (k * sampleRate) / size;
      for (let b = 0; b + 1 < BAND_EDGES_HZ.length; b++) {
        if (hz >= BAND_EDGES_HZ[b]! && hz < BAND_EDGES_HZ[b + 1]! && BAND_EDGES_HZ[b]! < sampleRate * 0.45) bandOfBin[k] = b;
      }
    }
    plan = { window, re: new Float64Array(size), im: new Float64Array(size), bandOfBin };
    if (plans.size > 16) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

/** The mean of clips' band shares (each from {@link bandEnergyShares}); undefined for none. */
export function meanBandShares(clips: readonly (readonly number[])[]): number[] | undefined {
  if (clips.length === 0) return undefined;
  const mean = new Array<number>(clips[0]!.length).fill(0);
  for (const shares of clips) shares.forEach((s, b) => (mean[b]! += s / clips.length));
  return mean.map(round);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
