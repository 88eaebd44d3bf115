import type { AcousticFrame, ThermalFrame } from '@premonitor/contracts';
import { generateAcousticClip, generateThermalFrame, toInt16Pcm } from '@premonitor/ml/data';
import type { MachineKind, MachineState } from './machine-model.js';

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

/** The machine a simulated device watches: its family and the seed of its own instance. */
export interface SimulatedMachine {
  readonly kind: MachineKind;
  /** Chooses this machine's speed, timbre, geometry and sensor; one seed, one machine. */
  readonly seed: number;
}

export const DEFAULT_ACOUSTIC_SHAPE: AcousticShape = { sampleRate: 16_000, seconds: 1 };
export const DEFAULT_THERMAL_SHAPE: ThermalShape = { width: 32, height: 24 };

/** Factory noise level of simulated clips: the cleanest of MIMII's three conditions. */
const SIMULATED_SNR_DB = 6;

/**
 * A clip of a healthy machine from the same generator the shipped models were trained on
 * (`@premonitor/ml/data`), so a simulated machine sounds like the machines the models know —
 * an instance they never saw, as a real new machine would be. Each `seq` is a new recording.
 */
export function synthesizeAcoustic(machine: SimulatedMachine, ts: number, seq: number, shape = DEFAULT_ACOUSTIC_SHAPE): AcousticFrame {
  const clip = generateAcousticClip({
    machineType: machine.kind,
    instanceId: 0,
    seed: machine.seed,
    clipIndex: seq,
    seconds: shape.seconds,
    sampleRate: shape.sampleRate,
    snrDb: SIMULATED_SNR_DB,
  });
  return { kind: 'acoustic', ts, seq, sampleRate: shape.sampleRate, samples: toInt16Pcm(clip) };
}

/**
 * A thermal image of a healthy machine from the training generator, at the simulated
 * machine's current load, so the housing warms and cools with the telemetry.
 */
export function synthesizeThermal(machine: SimulatedMachine, state: MachineState, ts: number, seq: number, shape = DEFAULT_THERMAL_SHAPE): ThermalFrame {
  const celsius = generateThermalFrame({ width: shape.width, height: shape.height, instanceId: 0, seed: machine.seed, t: seq, episode: 0, load: state.load });
  return { kind: 'thermal', ts, seq, width: shape.width, height: shape.height, celsius };
}
