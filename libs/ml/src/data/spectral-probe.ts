// Test helpers that measure generated audio without an FFT library: a Hann-windowed DFT
// evaluated at the few frequencies a check cares about. Not part of the public API.
import { Biquad } from './audio-filters.js';

/** Amplitude of the sinusoid at `frequencyHz` (Hann-windowed single-bin DFT, coherent gain corrected). */
export function toneAmplitude(samples: ArrayLike<number>, frequencyHz: number, sampleRate: number): number {
  const n = samples.length;
  const w = (2 * Math.PI * frequencyHz) / sampleRate;
  let re = 0;
  let im = 0;
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windowSum += h;
    re += samples[i] * h * Math.cos(w * i);
    im -= samples[i] * h * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / windowSum;
}

/** Largest `toneAmplitude` within ±`spanHz` of a frequency, on a `stepHz` grid. */
export function peakAmplitudeNear(samples: ArrayLike<number>, frequencyHz: number, sampleRate: number, spanHz: number, stepHz = 0.25): number {
  let best = 0;
  for (let f = frequencyHz - spanHz; f <= frequencyHz + spanHz + 1e-9; f += stepHz) {
    best = Math.max(best, toneAmplitude(samples, f, sampleRate));
  }
  return best;
}

/** Mean power of the signal after a band-pass (two cascaded biquads per edge). */
export function bandPower(samples: Float32Array, lowHz: number, highHz: number, sampleRate: number): number {
  const x = Float32Array.from(samples);
  new Biquad('highpass', lowHz, sampleRate).process(x);
  new Biquad('highpass', lowHz, sampleRate).process(x);
  new Biquad('lowpass', highHz, sampleRate).process(x);
  new Biquad('lowpass', highHz, sampleRate).process(x);
  let p = 0;
  for (const v of x) p += v * v;
  return p / x.length;
}

/** Squared-envelope of a band (band-pass, square, remove mean): what envelope analysis inspects. */
export function bandEnvelope(samples: Float32Array, lowHz: number, highHz: number, sampleRate: number): Float32Array {
  const x = Float32Array.from(samples);
  new Biquad('highpass', lowHz, sampleRate).process(x);
  new Biquad('highpass', lowHz, sampleRate).process(x);
  new Biquad('lowpass', highHz, sampleRate).process(x);
  new Biquad('lowpass', highHz, sampleRate).process(x);
  let mean = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = x[i] * x[i];
    mean += x[i];
  }
  mean /= x.length;
  for (let i = 0; i < x.length; i++) x[i] = x[i] - mean;
  return x;
}
