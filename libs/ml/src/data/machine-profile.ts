import { SeededRandom, deriveSeed } from './seeded-random.js';

/** Machine families the acoustic generator can voice (MIMII's fan and pump, plus two more). */
export const MACHINE_TYPES = ['fan', 'pump', 'compressor', 'motor'] as const;

/** One of `MACHINE_TYPES`. */
export type MachineType = (typeof MACHINE_TYPES)[number];

/** A sinusoid locked to the shaft: frequency is `order ×` the instantaneous rotation rate. */
export interface ShaftTone {
  /** Multiple of the rotation frequency (1 = 1×, 0.5 = half-order). */
  readonly order: number;
  /** Peak amplitude before the clip's overall gain. */
  readonly amplitude: number;
}

/** Everything that makes one machine instance sound like itself; drawn from its seed. */
export interface MachineProfile {
  readonly machineType: MachineType;
  readonly instanceId: number;
  /** Nominal shaft rotation in Hz. */
  readonly rotationHz: number;
  /** Rotation harmonics 1×…K× (order = index + 1). */
  readonly harmonics: readonly ShaftTone[];
  /** Fan blades, pump vanes, compressor cylinders or motor rotor bars. */
  readonly passCount: number;
  /** Harmonics of the pass frequency (`passCount ×` rotation). */
  readonly passTones: readonly ShaftTone[];
  /** Mains frequency whose double (magnetostriction hum) the machine radiates, or 0. */
  readonly lineHz: number;
  /** Peak amplitude of the 2× mains hum. */
  readonly lineHumAmplitude: number;
  /** RMS of the broadband flow/windage noise relative to the tonal part. */
  readonly flowLevel: number;
  /** Upper corner of the flow noise low-pass in Hz. */
  readonly flowCutoffHz: number;
  /** Depth of flow-noise modulation at 1× (gas pulsation in compressors). */
  readonly pulsationDepth: number;
  /** Peak relative deviation of the rotation rate (slow wander). */
  readonly speedWander: number;
  /** Peak relative deviation of the amplitude (slow wander). */
  readonly amplitudeWander: number;
  /** Outer-race defect frequency as a multiple of rotation (BPFO / f_rot). */
  readonly bearingDefectOrder: number;
  /** Structural resonance the bearing impacts excite, Hz. */
  readonly bearingResonanceHz: number;
  /** Decay time constant of that resonance, seconds. */
  readonly bearingDecayS: number;
  /** Centre of the leak hiss band, Hz. */
  readonly leakHz: number;
  /** RMS of the normal machine sound at the microphone (full scale = 1). */
  readonly level: number;
}

interface TypeRanges {
  rotation: [number, number];
  harmonicCount: number;
  decay: [number, number];
  pass: [number, number];
  passLevel: [number, number];
  passHarmonics: number;
  lineHum: [number, number];
  flow: [number, number];
  flowCutoff: [number, number];
  pulsation: [number, number];
}

// Ranges follow typical vibro-acoustic signatures: fans are dominated by blade-pass and
// broadband air noise, pumps by vane-pass and low flow noise, reciprocating compressors by
// slowly decaying harmonics and pulsation, induction motors by 2× mains hum and slot pass.
const RANGES: Record<MachineType, TypeRanges> = {
  fan: { rotation: [15, 25], harmonicCount: 6, decay: [0.55, 0.75], pass: [4, 9], passLevel: [0.6, 1.2], passHarmonics: 3, lineHum: [0, 0], flow: [0.8, 1.2], flowCutoff: [1200, 2500], pulsation: [0, 0.05] },
  pump: { rotation: [24, 30], harmonicCount: 8, decay: [0.6, 0.8], pass: [5, 7], passLevel: [0.8, 1.5], passHarmonics: 3, lineHum: [0, 0.2], flow: [0.5, 0.8], flowCutoff: [500, 1200], pulsation: [0.05, 0.15] },
  compressor: { rotation: [40, 60], harmonicCount: 12, decay: [0.75, 0.9], pass: [2, 4], passLevel: [0.5, 1], passHarmonics: 4, lineHum: [0.3, 0.6], flow: [0.4, 0.7], flowCutoff: [800, 2000], pulsation: [0.3, 0.6] },
  motor: { rotation: [25, 50], harmonicCount: 6, decay: [0.4, 0.6], pass: [26, 44], passLevel: [0.2, 0.4], passHarmonics: 2, lineHum: [0.8, 1.5], flow: [0.2, 0.4], flowCutoff: [3000, 5000], pulsation: [0, 0.05] },
};

/**
 * The parameters of machine `instanceId` of a type, drawn from
 * `deriveSeed(seed, 'machine', machineType, instanceId)`: the same instance always sounds
 * the same, and instances differ in speed, timbre, blade count and bearing geometry.
 */
export function machineProfile(machineType: MachineType, instanceId: number, seed: number): MachineProfile {
  const r = RANGES[machineType];
  const random = new SeededRandom(deriveSeed(seed, 'machine', machineType, instanceId));
  const rotationHz = random.uniform(...r.rotation);
  const decay = random.uniform(...r.decay);
  const harmonics: ShaftTone[] = [];
  for (let k = 1; k <= r.harmonicCount; k++) {
    // ±40 % per-harmonic jitter gives each instance its own timbre on a common decay.
    harmonics.push({ order: k, amplitude: decay ** (k - 1) * random.uniform(0.6, 1.4) });
  }
  const passCount = random.int(...r.pass);
  const passLevel = random.uniform(...r.passLevel);
  const passTones: ShaftTone[] = [];
  for (let k = 1; k <= r.passHarmonics; k++) {
    passTones.push({ order: passCount * k, amplitude: passLevel * 0.5 ** (k - 1) * random.uniform(0.7, 1.3) });
  }
  return {
    machineType,
    instanceId,
    rotationHz,
    harmonics,
    passCount,
    passTones,
    lineHz: random.chance(0.5) ? 50 : 60,
    lineHumAmplitude: random.uniform(...r.lineHum),
    flowLevel: random.uniform(...r.flow),
    flowCutoffHz: random.uniform(...r.flowCutoff),
    pulsationDepth: random.uniform(...r.pulsation),
    speedWander: random.uniform(0.001, 0.004),
    amplitudeWander: random.uniform(0.02, 0.06),
    bearingDefectOrder: random.uniform(3.5, 5.5),
    bearingResonanceHz: random.uniform(2000, 5000),
    bearingDecayS: random.uniform(0.0006, 0.0015),
    leakHz: random.uniform(4000, 6500),
    level: random.uniform(0.03, 0.08),
  };
}
