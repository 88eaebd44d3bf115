import { SeededRandom } from '@premonitor/ml/data';
import type { ClipSource } from './retraining-scenario.js';

const RATE = 16_000;

/**
 * A generated valve-like machine the shipped acoustic model gets backwards: a quiet hiss and a
 * sharp click every 125 ms when healthy; the fault is softer, late clicks — quieter, so the
 * fleet (which never heard this machine) scores it *below* the healthy sound (fleet AUC ≈ 0 in
 * exploration; retrained on the healthy clips ≈ 1). Each microphone hears a slightly different
 * resonance. Seeded: the same clips every run.
 */
export function clickingValve(microphones = 8, clipsPerLabel = 10, seed = 7): ClipSource {
  const random = new SeededRandom(seed);
  const clip = (mic: number, faulty: boolean): Float32Array => {
    const out = new Float32Array(RATE);
    for (let i = 0; i < RATE; i++) out[i] = 0.01 * (random.next() * 2 - 1);
    const offset = Math.floor(random.next() * 2_000);
    for (let k = 0; k < 8; k++) {
      const at = offset + k * 2_000 + (faulty ? Math.floor(random.next() * 600) : 0);
      const amplitude = faulty ? 0.25 : 0.6;
      for (let j = 0; j < 160 && at + j < RATE; j++) out[at + j]! += amplitude * Math.exp(-j / 25) * Math.sin((2 * Math.PI * (2_500 + mic * 20) * j) / RATE);
    }
    return out;
  };
  const mics = Array.from({ length: microphones }, (_, mic) => mic);
  return {
    name: 'generated-valve',
    sampleRate: RATE,
    normal: mics.map((mic) => Array.from({ length: clipsPerLabel }, () => clip(mic, false))),
    abnormal: mics.map((mic) => Array.from({ length: clipsPerLabel }, () => clip(mic, true))),
  };
}
