import { anomalyModifiers, checkAcousticAnomaly, renderAnomalyOverlay } from './acoustic-anomaly.js';
import type { AcousticAnomaly } from './acoustic-anomaly.js';
import { DataOptionsError } from './data-errors.js';
import { renderFactoryBackground } from './factory-background.js';
import { MACHINE_TYPES, machineProfile } from './machine-profile.js';
import type { MachineProfile, MachineType } from './machine-profile.js';
import { renderMachineSound } from './machine-sound.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';
import { dbToGain } from './signal-level.js';

/** What to render; the same options always give the same samples. */
export interface AcousticClipOptions {
  /** Machine family. */
  readonly machineType: MachineType;
  /** Machine instance (0, 1, …); each has its own speed, timbre and bearing geometry. */
  readonly instanceId: number;
  /** Root seed of the data set. */
  readonly seed: number;
  /** Index of the recording of this instance; selects speed, phases, noise, background. */
  readonly clipIndex: number;
  /** Duration in seconds (default 1). */
  readonly seconds?: number;
  /** Sample rate in Hz (default 16000). */
  readonly sampleRate?: number;
  /** Healthy machine RMS over background RMS, in dB (MIMII uses 6, 0 and −6). */
  readonly snrDb: number;
  /** A fault to add; the healthy content of the clip stays identical to the clip without it. */
  readonly anomaly?: AcousticAnomaly;
}

/** A rendered clip with its components, for tests and for inspecting the generator. */
export interface AcousticClipParts {
  /** What the microphone hears: machine + background. */
  readonly mixture: Float32Array;
  /** The machine alone, fault included. */
  readonly machine: Float32Array;
  /** The background alone, already scaled to the SNR. */
  readonly background: Float32Array;
  /** The instance's parameters. */
  readonly profile: MachineProfile;
  /** Mean shaft rotation rate over the clip, Hz. */
  readonly meanRotationHz: number;
  /** RMS the healthy machine has in this clip; the SNR refers to it. */
  readonly referenceRms: number;
}

/**
 * Renders a mono clip (float, full scale ±1) of a machine in a factory: see
 * `renderMachineSound`, `renderFactoryBackground` and the anomaly kinds for the models.
 * The background is scaled so that RMS(healthy machine) / RMS(background) = `snrDb`;
 * a fault therefore adds energy on top, as it would on a real shop floor.
 */
export function renderAcousticClip(options: AcousticClipOptions): AcousticClipParts {
  const { machineType, instanceId, seed, clipIndex, snrDb, anomaly } = options;
  const seconds = options.seconds ?? 1;
  const sampleRate = options.sampleRate ?? 16000;
  if (!MACHINE_TYPES.includes(machineType)) {
    throw new DataOptionsError(`unknown machine type '${machineType}'; use one of ${MACHINE_TYPES.join(', ')}`);
  }
  if (!Number.isInteger(instanceId) || instanceId < 0) throw new DataOptionsError(`instanceId must be a non-negative integer, got ${instanceId}`);
  if (!Number.isInteger(clipIndex) || clipIndex < 0) throw new DataOptionsError(`clipIndex must be a non-negative integer, got ${clipIndex}`);
  if (!(seconds > 0 && seconds <= 60)) throw new DataOptionsError(`seconds must be in (0, 60], got ${seconds}`);
  if (!(sampleRate >= 8000 && sampleRate <= 192000)) throw new DataOptionsError(`sampleRate must be in [8000, 192000], got ${sampleRate}`);
  if (!Number.isFinite(snrDb)) throw new DataOptionsError(`snrDb must be finite, got ${snrDb}`);
  if (anomaly) checkAcousticAnomaly(anomaly);

  const profile = machineProfile(machineType, instanceId, seed);
  const clip = new SeededRandom(deriveSeed(seed, 'clip', machineType, instanceId, clipIndex));
  const n = Math.round(seconds * sampleRate);
  const faultRandom = clip.fork('anomaly', anomaly?.kind ?? 'none');
  const modifiers = anomaly ? anomalyModifiers(anomaly, profile, faultRandom.fork('modifiers')) : {};
  const sound = renderMachineSound(profile, clip.fork('machine'), n, sampleRate, modifiers);
  const overlay = anomaly ? renderAnomalyOverlay(anomaly, profile, sound, faultRandom.fork('overlay'), sampleRate) : undefined;

  const machine = sound.samples;
  if (overlay) for (let i = 0; i < n; i++) machine[i] = machine[i]! + overlay[i]!;
  const background = renderFactoryBackground(clip.fork('background'), n, sampleRate);
  const backgroundGain = sound.referenceRms / dbToGain(snrDb);
  const mixture = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    background[i] = background[i]! * backgroundGain;
    mixture[i] = machine[i]! + background[i]!;
  }
  return { mixture, machine, background, profile, meanRotationHz: sound.meanRotationHz, referenceRms: sound.referenceRms };
}

/** Renders a clip and returns only what the microphone hears (see `renderAcousticClip`). */
export function generateAcousticClip(options: AcousticClipOptions): Float32Array {
  return renderAcousticClip(options).mixture;
}
