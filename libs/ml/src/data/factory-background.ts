import { Biquad, normaliseRms, pinkNoise, sampleSlowCurve, slowWander } from './audio-filters.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * One clip of factory ambience at unit RMS: pink noise, in most clips the hum of distant
 * machinery (a low fundamental with a few harmonics, slowly modulated), and now and then a
 * transient knock (a low-passed, decaying thud). The mixer scales it to the requested SNR.
 */
export function renderFactoryBackground(random: SeededRandom, sampleCount: number, sampleRate: number): Float32Array {
  const out = normaliseRms(pinkNoise(new Float32Array(sampleCount), random.fork('pink')), 1);
  // Real factory noise rolls off above a few kHz (air absorption, distance).
  new Biquad('lowpass', random.uniform(5000, 7000), sampleRate).process(out);

  if (random.chance(0.6)) {
    const hum = new Float32Array(sampleCount);
    const f0 = random.uniform(25, 120);
    const harmonics = random.int(3, 5);
    const wobble = sampleSlowCurve(slowWander(random, 0.3, 1), sampleCount, sampleRate);
    const phases = Array.from({ length: harmonics }, () => random.uniform(0, 2 * Math.PI));
    const weights = phases.map((phase, k) => ({ c: 0.6 ** k * Math.cos(phase), s: 0.6 ** k * Math.sin(phase) }));
    for (let i = 0; i < sampleCount; i++) {
      // Harmonics by phasor rotation from the fundamental: one sin/cos per sample.
      const angle = (2 * Math.PI * f0 * i) / sampleRate;
      const s1 = Math.sin(angle);
      const c1 = Math.cos(angle);
      let sk = s1;
      let ck = c1;
      let v = 0;
      for (const w of weights) {
        v += w.c * sk + w.s * ck;
        const next = sk * c1 + ck * s1;
        ck = ck * c1 - sk * s1;
        sk = next;
      }
      hum[i] = v * (1 + wobble[i]!);
    }
    normaliseRms(hum, random.uniform(0.2, 0.6));
    for (let i = 0; i < sampleCount; i++) out[i] = out[i]! + hum[i]!;
  }

  const knocks = random.chance(0.5) ? random.int(1, 3) : 0;
  for (let k = 0; k < knocks; k++) {
    const at = random.int(0, Math.max(0, sampleCount - 1));
    const f = random.uniform(150, 1500);
    const tau = random.uniform(0.005, 0.03);
    const peak = random.uniform(2, 5);
    const length = Math.ceil(5 * tau * sampleRate);
    for (let j = 0; j < length && at + j < sampleCount; j++) {
      const t = j / sampleRate;
      out[at + j] = out[at + j]! + peak * Math.exp(-t / tau) * Math.sin(2 * Math.PI * f * t);
    }
  }
  return normaliseRms(out, 1);
}
