import { Biquad, normaliseRms, sampleSlowCurve, slowWander, whiteNoise } from './audio-filters.js';
import type { MachineProfile, ShaftTone } from './machine-profile.js';
import type { SeededRandom } from './seeded-random.js';

/** How an anomaly bends the machine's own sound (as opposed to adding a new source). */
export interface MachineModifiers {
  /** Gain on the shaft tone of a given order (imbalance raises 1×, looseness the rest). */
  readonly toneGain?: (order: number) => number;
  /** Tones a healthy machine does not have (looseness' half orders), amplitudes in profile units. */
  readonly extraTones?: readonly ShaftTone[];
  /** Multiplier on the rotation rate at normalised clip time u ∈ [0, 1] (speed drift). */
  readonly speedFactor?: (u: number) => number;
}

/** The machine's sound for one clip plus what anomaly overlays need to lock onto it. */
export interface MachineSound {
  /** Samples at the microphone, full scale 1. */
  readonly samples: Float32Array;
  /** Shaft position in revolutions at each sample (drives bearing impacts). */
  readonly shaftRevolutions: Float64Array;
  /** Mean rotation rate over the clip, Hz. */
  readonly meanRotationHz: number;
  /**
   * RMS of this clip's sound were the machine healthy; SNR and anomaly levels refer to it
   * so that a failing machine gets louder against the same background.
   */
  readonly referenceRms: number;
}

/**
 * Renders one clip of a machine: shaft harmonics and pass tones following a slowly
 * wandering rotation rate, 2× mains hum, and low-passed flow noise (pulsating at 1× in
 * compressors). Every draw from `random` happens whatever the modifiers, so a clip with an
 * anomaly shares its healthy content exactly with the same clip without one.
 */
export function renderMachineSound(
  profile: MachineProfile,
  random: SeededRandom,
  sampleCount: number,
  sampleRate: number,
  modifiers: MachineModifiers = {},
): MachineSound {
  // Load varies between recordings, so the running speed does too (±0.8 %).
  const speed = profile.rotationHz * random.uniform(0.992, 1.008);
  const speedWander = sampleSlowCurve(slowWander(random, profile.speedWander, 1.5), sampleCount, sampleRate);
  const ampWander = sampleSlowCurve(slowWander(random, profile.amplitudeWander, 2), sampleCount, sampleRate);
  const shaftTones = [...profile.harmonics, ...profile.passTones];
  const phases = shaftTones.map(() => random.uniform(0, 2 * Math.PI));
  const humPhases = [random.uniform(0, 2 * Math.PI), random.uniform(0, 2 * Math.PI)];
  const pulsationPhase = random.uniform(0, 2 * Math.PI);
  const noise = whiteNoise(new Float32Array(sampleCount), random.fork('flow'));

  const toneGain = modifiers.toneGain ?? (() => 1);
  const healthy = shaftTones.map((t, i) => ({ order: t.order, amplitude: t.amplitude, phase: phases[i] ?? 0 }));
  const actual = shaftTones.map((t, i) => ({ order: t.order, amplitude: t.amplitude * toneGain(t.order), phase: phases[i] ?? 0 }));
  const extraRandom = random.fork('extra-tones');
  for (const t of modifiers.extraTones ?? []) actual.push({ order: t.order, amplitude: t.amplitude, phase: extraRandom.uniform(0, 2 * Math.PI) });

  // Blade/vane pass often coincides with a shaft harmonic, so the healthy tonal power is
  // taken from the summed phasors; scaling it (and the hum) to RMS 1 keeps every clip of
  // an instance near the instance's level.
  const humAmps = [profile.lineHumAmplitude, profile.lineHumAmplitude * 0.3] as const;
  const tonalScale = 1 / Math.sqrt(ShaftToneBank.of(healthy).power() + (humAmps[0] ** 2 + humAmps[1] ** 2) / 2);
  const bank = ShaftToneBank.of(actual, tonalScale);
  const gain = profile.level / Math.sqrt(1 + profile.flowLevel ** 2);

  new Biquad('highpass', 40, sampleRate).process(noise);
  new Biquad('lowpass', profile.flowCutoffHz, sampleRate, 0.7).process(noise);
  normaliseRms(noise, profile.flowLevel / Math.sqrt(1 + profile.pulsationDepth ** 2 / 2));

  const samples = new Float32Array(sampleCount);
  const shaft = new Float64Array(sampleCount);
  const speedFactor = modifiers.speedFactor;
  const twoPi = 2 * Math.PI;
  const humHz = 2 * profile.lineHz;
  const hum0 = humAmps[0] * tonalScale;
  const hum1 = humAmps[1] * tonalScale;
  const healthyScaled = ShaftToneBank.of(healthy, tonalScale);
  // With a fault the healthy sound is rendered alongside (same draws), because its actual
  // RMS, not an estimate, defines the SNR: with low flow cut-offs the random correlation
  // of tones and noise alone moves the level by a few tenths of a dB.
  const modified = modifiers.toneGain !== undefined || modifiers.extraTones !== undefined || speedFactor !== undefined;
  let revolutions = 0;
  let healthyRevolutions = 0;
  let rateSum = 0;
  let healthyPower = 0;
  for (let i = 0; i < sampleCount; i++) {
    const t = i / sampleRate;
    const healthyRate = speed * (1 + speedWander[i]!);
    const rate = speedFactor ? healthyRate * speedFactor(sampleCount > 1 ? i / (sampleCount - 1) : 0) : healthyRate;
    rateSum += rate;
    shaft[i] = revolutions;
    const envelope = 1 + ampWander[i]!;
    const hum = hum0 * Math.sin(twoPi * humHz * t + humPhases[0]!) + hum1 * Math.sin(twoPi * 2 * humHz * t + humPhases[1]!);
    const flow = noise[i]! * (1 + profile.pulsationDepth * Math.sin(twoPi * revolutions + pulsationPhase));
    const value = gain * ((bank.valueAt(revolutions) + hum) * envelope + flow);
    samples[i] = value;
    if (modified) {
      const healthyFlow = noise[i]! * (1 + profile.pulsationDepth * Math.sin(twoPi * healthyRevolutions + pulsationPhase));
      const h = gain * ((healthyScaled.valueAt(healthyRevolutions) + hum) * envelope + healthyFlow);
      healthyPower += h * h;
    } else {
      healthyPower += value * value;
    }
    revolutions += rate / sampleRate;
    healthyRevolutions += healthyRate / sampleRate;
  }
  const count = Math.max(1, sampleCount);
  const referenceRms = Math.sqrt(healthyPower / count);
  return { samples, shaftRevolutions: shaft, meanRotationHz: rateSum / count, referenceRms };
}

// Shaft tones summed per half order as C·sin(mψ) + S·cos(mψ), ψ = π·revolutions. Low orders
// come from one sin/cos and a rotation recurrence (no drift over 40 steps in float64);
// the few high orders (motor slot pass) are evaluated directly.
const DENSE_HALF_ORDERS = 40;

class ShaftToneBank {
  private constructor(
    private readonly c: Float64Array,
    private readonly s: Float64Array,
    private readonly high: ReadonlyArray<{ order: number; amplitude: number; phase: number }>,
    private readonly top: number,
  ) {}

  static of(tones: ReadonlyArray<{ order: number; amplitude: number; phase: number }>, scale = 1): ShaftToneBank {
    const c = new Float64Array(DENSE_HALF_ORDERS + 1);
    const s = new Float64Array(DENSE_HALF_ORDERS + 1);
    const high: Array<{ order: number; amplitude: number; phase: number }> = [];
    for (const t of tones) {
      const m = Math.round(t.order * 2);
      if (m <= DENSE_HALF_ORDERS && Math.abs(m - t.order * 2) < 1e-9) {
        c[m] = c[m]! + scale * t.amplitude * Math.cos(t.phase);
        s[m] = s[m]! + scale * t.amplitude * Math.sin(t.phase);
      } else {
        high.push({ order: t.order, amplitude: scale * t.amplitude, phase: t.phase });
      }
    }
    let top = DENSE_HALF_ORDERS;
    while (top > 0 && c[top] === 0 && s[top] === 0) top--;
    return new ShaftToneBank(c, s, high, top);
  }

  /** Mean power of the summed tones (high orders assumed distinct from each other). */
  power(): number {
    let p = 0;
    for (let m = 1; m <= DENSE_HALF_ORDERS; m++) p += (this.c[m]! ** 2 + this.s[m]! ** 2) / 2;
    for (const t of this.high) p += t.amplitude ** 2 / 2;
    return p;
  }

  valueAt(revolutions: number): number {
    const psi = Math.PI * revolutions;
    const s1 = Math.sin(psi);
    const c1 = Math.cos(psi);
    let sm = s1;
    let cm = c1;
    let v = 0;
    for (let m = 1; m <= this.top; m++) {
      v += this.c[m]! * sm + this.s[m]! * cm;
      const next = sm * c1 + cm * s1;
      cm = cm * c1 - sm * s1;
      sm = next;
    }
    for (const t of this.high) v += t.amplitude * Math.sin(2 * Math.PI * t.order * revolutions + t.phase);
    return v;
  }
}
