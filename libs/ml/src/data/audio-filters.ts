import type { SeededRandom } from './seeded-random.js';

/** Response shapes of `Biquad` (RBJ Audio EQ Cookbook). */
export type BiquadKind = 'lowpass' | 'highpass' | 'bandpass';

/**
 * Second-order IIR section in transposed direct form II, coefficients from the RBJ
 * cookbook; `bandpass` has 0 dB peak gain at `frequencyHz`.
 */
export class Biquad {
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  private z1 = 0;
  private z2 = 0;

  constructor(kind: BiquadKind, frequencyHz: number, sampleRate: number, q = Math.SQRT1_2) {
    // Clamping keeps instance parameters drawn near Nyquist from producing an unstable filter.
    const f = Math.min(Math.max(frequencyHz, 1), sampleRate * 0.49);
    const w = (2 * Math.PI * f) / sampleRate;
    const cos = Math.cos(w);
    const alpha = Math.sin(w) / (2 * q);
    const a0 = 1 + alpha;
    let b0: number;
    let b1: number;
    let b2: number;
    if (kind === 'lowpass') {
      b0 = (1 - cos) / 2;
      b1 = 1 - cos;
      b2 = b0;
    } else if (kind === 'highpass') {
      b0 = (1 + cos) / 2;
      b1 = -(1 + cos);
      b2 = b0;
    } else {
      b0 = alpha;
      b1 = 0;
      b2 = -alpha;
    }
    this.b0 = b0 / a0;
    this.b1 = b1 / a0;
    this.b2 = b2 / a0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  /** Filters one sample. */
  step(x: number): number {
    const y = this.b0 * x + this.z1;
    this.z1 = this.b1 * x - this.a1 * y + this.z2;
    this.z2 = this.b2 * x - this.a2 * y;
    return y;
  }

  /** Filters a buffer in place and returns it. */
  process(buffer: Float32Array): Float32Array {
    for (let i = 0; i < buffer.length; i++) buffer[i] = this.step(buffer[i]);
    return buffer;
  }
}

/** Fills `out` with unit-variance white Gaussian noise. */
export function whiteNoise(out: Float32Array, random: SeededRandom): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = random.gaussian();
  return out;
}

/**
 * Fills `out` with pink (−3 dB/octave) noise using Paul Kellet's economy filter, which is
 * within ±0.5 dB of 1/f from about 10 Hz to Nyquist at 16 kHz. Not normalised.
 */
export function pinkNoise(out: Float32Array, random: SeededRandom): Float32Array {
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < out.length; i++) {
    const w = random.gaussian();
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

/** Scales a buffer in place to the given RMS (left untouched when silent). */
export function normaliseRms(buffer: Float32Array, target: number): Float32Array {
  let sum = 0;
  for (let i = 0; i < buffer.length; i++) sum += buffer[i] * buffer[i];
  const current = Math.sqrt(sum / Math.max(1, buffer.length));
  if (current === 0) return buffer;
  const gain = target / current;
  for (let i = 0; i < buffer.length; i++) buffer[i] = buffer[i] * gain;
  return buffer;
}

/**
 * Smooth random modulation: a sum of a few slow sinusoids with random rates and phases,
 * scaled so its peak deviation is at most `depth`. Cheaper and smoother than a filtered walk.
 */
export function slowWander(random: SeededRandom, depth: number, maxRateHz: number): (tSeconds: number) => number {
  const parts = [0, 1, 2].map(() => ({
    rate: random.uniform(0.1, maxRateHz),
    phase: random.uniform(0, 2 * Math.PI),
    weight: random.uniform(0.5, 1),
  }));
  const total = parts.reduce((s, p) => s + p.weight, 0);
  return (t) => {
    let v = 0;
    for (const p of parts) v += p.weight * Math.sin(2 * Math.PI * p.rate * t + p.phase);
    return (depth * v) / total;
  };
}

/**
 * Samples a slow curve at every `step`-th sample and interpolates linearly in between:
 * modulations below a few Hz need no per-sample `Math.sin`.
 */
export function sampleSlowCurve(curve: (tSeconds: number) => number, sampleCount: number, sampleRate: number, step = 32): Float32Array {
  const out = new Float32Array(sampleCount);
  let previous = curve(0);
  for (let start = 0; start < sampleCount; start += step) {
    const next = curve((start + step) / sampleRate);
    const end = Math.min(step, sampleCount - start);
    for (let j = 0; j < end; j++) out[start + j] = previous + ((next - previous) * j) / step;
    previous = next;
  }
  return out;
}
