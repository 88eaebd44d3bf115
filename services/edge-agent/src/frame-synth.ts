import type { AcousticFrame, ThermalFrame } from '@premonitor/contracts';
import type { MachineState } from './machine-model.js';
import { normal, type Random } from './random.js';

/** Shape of a synthetic acoustic clip. */
export interface AcousticShape {
  /** Hz; 16 000 matches the platform's models. */
  readonly sampleRate: number;
  /** Clip length, seconds. */
  readonly seconds: number;
}

/** Shape of a synthetic thermal image; 32×24 is an MLX90640. */
export interface ThermalShape {
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_ACOUSTIC_SHAPE: AcousticShape = { sampleRate: 16_000, seconds: 1 };
export const DEFAULT_THERMAL_SHAPE: ThermalShape = { width: 32, height: 24 };

/**
 * A clip of machine sound: the rotation frequency and a few harmonics (louder with load),
 * a blade/vane-pass tone, broadband noise, and during a vibration burst an extra rattle of
 * impulsive noise.
 */
export function synthesizeAcoustic(state: MachineState, random: Random, ts: number, seq: number, shape = DEFAULT_ACOUSTIC_SHAPE): AcousticFrame {
  const n = Math.round(shape.sampleRate * shape.seconds);
  const samples = new Int16Array(n);
  const f0 = state.rotationHz;
  const harmonics = [1, 2, 3, 5].map((k, i) => ({ freq: f0 * k, amp: (0.12 / (i + 1)) * (0.5 + state.load), phase: 2 * Math.PI * random() }));
  harmonics.push({ freq: f0 * 7, amp: 0.03 + 0.04 * state.load, phase: 2 * Math.PI * random() });
  const noiseSd = 0.02 + (state.inBurst ? 0.08 : 0);
  for (let i = 0; i < n; i++) {
    const t = i / shape.sampleRate;
    let v = 0;
    for (const h of harmonics) if (h.freq < shape.sampleRate / 2) v += h.amp * Math.sin(2 * Math.PI * h.freq * t + h.phase);
    v += normal(random, 0, noiseSd);
    if (state.inBurst && random() < 0.002) v += (random() - 0.5) * 0.8;
    samples[i] = Math.max(-32_768, Math.min(32_767, Math.round(v * 32_767)));
  }
  return { kind: 'acoustic', ts, seq, sampleRate: shape.sampleRate, samples };
}

/**
 * A thermal image: the scene at ambient, a warm machine body (an ellipse in the middle of
 * the frame, at the housing temperature, hotter towards its bearing end) and per-pixel
 * sensor noise of about 0.3 °C, typical of a low-cost bolometer array.
 */
export function synthesizeThermal(state: MachineState, random: Random, ts: number, seq: number, shape = DEFAULT_THERMAL_SHAPE): ThermalFrame {
  const { width, height } = shape;
  const celsius = new Float32Array(width * height);
  const cx = width / 2;
  const cy = height / 2;
  const rx = width * 0.3;
  const ry = height * 0.28;
  const hotspot = state.inBurst ? 4 : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      // Smooth edge so the body blends into the background like a real, slightly blurred lens.
      const body = 1 / (1 + Math.exp((d - 1) * 6));
      const bearing = (x - cx) / rx > 0.4 ? hotspot + 2 * state.load : 0;
      const t = state.ambientC + (state.temperatureC + bearing - state.ambientC) * body + normal(random, 0, 0.3);
      celsius[y * width + x] = t;
    }
  }
  return { kind: 'thermal', ts, seq, width, height, celsius };
}
