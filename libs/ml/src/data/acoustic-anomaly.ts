import { Biquad, normaliseRms, whiteNoise } from './audio-filters.js';
import { DataOptionsError } from './data-errors.js';
import type { MachineProfile, ShaftTone } from './machine-profile.js';
import type { MachineModifiers, MachineSound } from './machine-sound.js';
import type { SeededRandom } from './seeded-random.js';

/** Fault signatures the acoustic generator can add. */
export const ACOUSTIC_ANOMALY_KINDS = ['bearing', 'imbalance', 'looseness', 'cavitation', 'leak', 'clicks', 'speed_drift'] as const;

/** One of `ACOUSTIC_ANOMALY_KINDS`. */
export type AcousticAnomalyKind = (typeof ACOUSTIC_ANOMALY_KINDS)[number];

/** A fault and how far it has progressed. */
export interface AcousticAnomaly {
  readonly kind: AcousticAnomalyKind;
  /** 0 = indistinguishable from healthy, 1 = a severe, late-stage fault. */
  readonly severity: number;
}

/** Throws `DataOptionsError` unless the anomaly is a known kind with severity in [0, 1]. */
export function checkAcousticAnomaly(anomaly: AcousticAnomaly): void {
  if (!(ACOUSTIC_ANOMALY_KINDS as readonly string[]).includes(anomaly.kind)) {
    throw new DataOptionsError(`unknown acoustic anomaly '${anomaly.kind}'; use one of ${ACOUSTIC_ANOMALY_KINDS.join(', ')}`);
  }
  if (!(anomaly.severity >= 0 && anomaly.severity <= 1)) {
    throw new DataOptionsError(`anomaly severity must be in [0, 1], got ${anomaly.severity}`);
  }
}

/**
 * The part of a fault that changes the machine's own vibration: imbalance lifts 1× (up to
 * 4×, +12 dB), looseness lifts the higher harmonics and adds half orders, speed drift
 * sweeps the rotation rate by up to ±15 %.
 */
export function anomalyModifiers(anomaly: AcousticAnomaly, profile: MachineProfile, random: SeededRandom): MachineModifiers {
  const s = anomaly.severity;
  switch (anomaly.kind) {
    case 'imbalance':
      return { toneGain: (order) => (order === 1 ? 1 + 3 * s : 1) };
    case 'looseness': {
      const a1 = profile.harmonics[0]?.amplitude ?? 1;
      const extraTones: ShaftTone[] = [0.5, 1.5, 2.5, 3.5].map((order, i) => ({ order, amplitude: a1 * 0.6 * s * 0.7 ** i }));
      return { toneGain: (order) => (order >= 2 && order <= 12 ? 1 + 2.5 * s : 1), extraTones };
    }
    case 'speed_drift': {
      const depth = s * random.uniform(0.06, 0.15);
      if (random.chance(0.5)) {
        const sign = random.chance(0.5) ? 1 : -1;
        return { speedFactor: (u) => 1 + sign * depth * (u - 0.5) * 2 };
      }
      const cycles = random.uniform(0.5, 2);
      const phase = random.uniform(0, 2 * Math.PI);
      return { speedFactor: (u) => 1 + depth * Math.sin(2 * Math.PI * cycles * u + phase) };
    }
    default:
      return {};
  }
}

/**
 * The part of a fault that is a new sound source, scaled against the healthy machine's
 * RMS, or `undefined` when the fault only modifies the machine.
 */
export function renderAnomalyOverlay(
  anomaly: AcousticAnomaly,
  profile: MachineProfile,
  machine: MachineSound,
  random: SeededRandom,
  sampleRate: number,
): Float32Array | undefined {
  const n = machine.samples.length;
  const ref = machine.referenceRms;
  const s = anomaly.severity;
  switch (anomaly.kind) {
    case 'bearing':
      return normaliseRms(bearingImpacts(profile, machine.shaftRevolutions, random, sampleRate), 0.6 * s * ref);
    case 'cavitation':
      return normaliseRms(cavitationBursts(n, random, sampleRate), 0.5 * s * ref);
    case 'leak': {
      const hiss = whiteNoise(new Float32Array(n), random);
      new Biquad('bandpass', profile.leakHz, sampleRate, 1.5).process(hiss);
      new Biquad('highpass', 2500, sampleRate).process(hiss);
      return normaliseRms(hiss, 0.35 * s * ref);
    }
    case 'clicks':
      return clicks(n, random, sampleRate, 12 * s * ref);
    default:
      return undefined;
  }
}

// Outer-race defect: each rolling element striking the spall is an impulse exciting the
// housing resonance. Impacts lock to the shaft (so they follow speed wander) with ±1.5 %
// random slip, as rolling elements never roll perfectly.
function bearingImpacts(profile: MachineProfile, shaft: Float64Array, random: SeededRandom, sampleRate: number): Float32Array {
  const out = new Float32Array(shaft.length);
  const order = profile.bearingDefectOrder;
  const resonance = Math.min(profile.bearingResonanceHz, 0.45 * sampleRate);
  const tau = profile.bearingDecayS;
  const ringLength = Math.ceil(6 * tau * sampleRate);
  const start = Math.floor((shaft[0] ?? 0) * order);
  let next = start + 1;
  for (let i = 1; i < shaft.length; i++) {
    if (shaft[i]! * order < next) continue;
    next++;
    const periodSamples = 1 / Math.max(1e-9, (shaft[i]! - shaft[i - 1]!) * order);
    const at = Math.round(i + random.uniform(-0.015, 0.015) * periodSamples);
    const amp = random.uniform(0.7, 1.3);
    const f = resonance * random.uniform(0.97, 1.03);
    for (let j = 0; j < ringLength; j++) {
      const k = at + j;
      if (k < 0 || k >= out.length) continue;
      const t = j / sampleRate;
      out[k] = out[k]! + amp * Math.exp(-t / tau) * Math.sin(2 * Math.PI * f * t);
    }
  }
  return out;
}

// Collapsing vapour bubbles: bursts of high-frequency-emphasised noise covering ~40 % of
// the clip, each with a raised-cosine envelope.
function cavitationBursts(n: number, random: SeededRandom, sampleRate: number): Float32Array {
  const hiss = whiteNoise(new Float32Array(n), random.fork('hiss'));
  new Biquad('highpass', 1500, sampleRate).process(hiss);
  const envelope = new Float32Array(n);
  let at = Math.floor(random.uniform(0, 0.05) * sampleRate);
  while (at < n) {
    const length = Math.floor(random.uniform(0.015, 0.08) * sampleRate);
    const level = random.uniform(0.5, 1);
    for (let j = 0; j < length && at + j < n; j++) envelope[at + j] = level * 0.5 * (1 - Math.cos((2 * Math.PI * j) / length));
    at += length + Math.floor(random.uniform(0.01, 0.12) * sampleRate);
  }
  for (let i = 0; i < n; i++) hiss[i] = hiss[i]! * envelope[i]!;
  return hiss;
}

// Intermittent clicks (a relay, a cracked part): a handful of sub-millisecond rings at
// random times and pitches; their level is set by peak, as their RMS says little.
function clicks(n: number, random: SeededRandom, sampleRate: number, peak: number): Float32Array {
  const out = new Float32Array(n);
  const count = random.int(3, 10);
  for (let c = 0; c < count; c++) {
    const at = random.int(0, Math.max(0, n - 1));
    const f = Math.min(random.uniform(1500, 6000), 0.45 * sampleRate);
    const tau = random.uniform(0.0002, 0.0006);
    const amp = peak * random.uniform(0.5, 1) * (random.chance(0.5) ? 1 : -1);
    const length = Math.ceil(8 * tau * sampleRate);
    for (let j = 0; j < length && at + j < n; j++) {
      const t = j / sampleRate;
      out[at + j] = out[at + j]! + amp * Math.exp(-t / tau) * Math.cos(2 * Math.PI * f * t);
    }
  }
  return out;
}
