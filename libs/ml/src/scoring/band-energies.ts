import { Biquad } from '../data/audio-filters.js';

/**
 * Edges (Hz) of the octave bands of a clip's coarse spectrum: 7 bands from 62.5 Hz to 8 kHz,
 * the range the acoustic models' 16-kHz log-mel front end covers.
 */
export const BAND_EDGES_HZ: readonly number[] = [62.5, 125, 250, 500, 1_000, 2_000, 4_000, 8_000];

/**
 * A clip's coarse spectrum for input drift (issue 14, item 7): the share of its energy in each
 * octave band of {@link BAND_EDGES_HZ} (4th-order band-pass: two high-pass and two low-pass
 * biquads), summing to 1 — so a louder or quieter clip of the same sound has the same shares,
 * and a sound whose spectrum moves has different ones. Bands above 0.45 × the sample rate are 0.
 * Samples as 16-bit PCM or ±1 floats (only the shares matter). A silent clip: all 0.
 */
export function bandEnergyShares(samples: ArrayLike<number>, sampleRate: number): number[] {
  const energies: number[] = [];
  const x = new Float32Array(samples.length);
  for (let b = 0; b + 1 < BAND_EDGES_HZ.length; b++) {
    const [low, high] = [BAND_EDGES_HZ[b]!, BAND_EDGES_HZ[b + 1]!];
    if (low >= sampleRate * 0.45) {
      energies.push(0);
      continue;
    }
    const filters = [new Biquad('highpass', low, sampleRate), new Biquad('highpass', low, sampleRate), new Biquad('lowpass', high, sampleRate), new Biquad('lowpass', high, sampleRate)];
    for (let i = 0; i < samples.length; i++) x[i] = samples[i]!;
    for (const f of filters) f.process(x);
    let e = 0;
    for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
    energies.push(e);
  }
  const total = energies.reduce((a, e) => a + e, 0);
  return energies.map((e) => (total > 0 ? round(e / total) : 0));
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
