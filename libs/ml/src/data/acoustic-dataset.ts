import type { AcousticAnomaly, AcousticAnomalyKind } from './acoustic-anomaly.js';
import { generateAcousticClip } from './acoustic-clip.js';
import { DataOptionsError } from './data-errors.js';
import type { MachineType } from './machine-profile.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';

/** Which clips to generate; every combination is enumerated in a fixed order. */
export interface AcousticDatasetOptions {
  /** Machine families to include. */
  readonly machineTypes: readonly MachineType[];
  /** Instance ids per family; keep training and evaluation ids disjoint for held-out tests. */
  readonly instances: readonly number[];
  /** Healthy clips per instance and SNR. */
  readonly clipsPerInstance: number;
  /** Mixing SNRs in dB; each SNR gets the same recordings at a different noise level, as in MIMII. */
  readonly snrs: readonly number[];
  /** Fault kinds; empty for a normal-only (training) set. */
  readonly anomalyKinds: readonly AcousticAnomalyKind[];
  /** Faulty clips per instance, SNR and kind (default `clipsPerInstance`). */
  readonly anomalousClipsPerKind?: number;
  /** Severity range faults are drawn from (default [0.5, 1]). */
  readonly severity?: readonly [number, number];
  /** Root seed. */
  readonly seed: number;
  /** First clip index, so that splits of one instance do not share recordings (default 0). */
  readonly firstClipIndex?: number;
  /** Clip duration in seconds (default 1). */
  readonly seconds?: number;
  /** Sample rate in Hz (default 16000). */
  readonly sampleRate?: number;
}

/** One labelled clip. */
export interface AcousticExample {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly machineType: MachineType;
  readonly instanceId: number;
  readonly clipIndex: number;
  readonly snrDb: number;
  readonly label: 'normal' | 'anomaly';
  /** The fault, when `label` is `'anomaly'`. */
  readonly anomaly?: AcousticAnomaly;
}

/** Number of clips `acousticDataset(options)` yields. */
export function acousticDatasetSize(options: AcousticDatasetOptions): number {
  const perSnr = options.clipsPerInstance + options.anomalyKinds.length * (options.anomalousClipsPerKind ?? options.clipsPerInstance);
  return options.machineTypes.length * options.instances.length * options.snrs.length * perSnr;
}

/**
 * Yields labelled clips one at a time (type → instance → SNR → healthy, then each fault),
 * so a data set of any size streams in constant memory. Faulty clips use clip indices
 * after the healthy ones, so no faulty clip shares its recording with a healthy one.
 */
export function* acousticDataset(options: AcousticDatasetOptions): Generator<AcousticExample, void, undefined> {
  const { machineTypes, instances, clipsPerInstance, snrs, anomalyKinds, seed } = options;
  const perKind = options.anomalousClipsPerKind ?? clipsPerInstance;
  const [lo, hi] = options.severity ?? [0.5, 1];
  const first = options.firstClipIndex ?? 0;
  const sampleRate = options.sampleRate ?? 16000;
  if (!(Number.isInteger(clipsPerInstance) && clipsPerInstance >= 0 && Number.isInteger(perKind) && perKind >= 0)) {
    throw new DataOptionsError('clipsPerInstance and anomalousClipsPerKind must be non-negative integers');
  }
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw new DataOptionsError(`severity range must lie in [0, 1], got [${lo}, ${hi}]`);

  for (const machineType of machineTypes) {
    for (const instanceId of instances) {
      for (const snrDb of snrs) {
        const base = { machineType, instanceId, seed, snrDb, seconds: options.seconds, sampleRate };
        for (let c = 0; c < clipsPerInstance; c++) {
          const clipIndex = first + c;
          yield { samples: generateAcousticClip({ ...base, clipIndex }), sampleRate, machineType, instanceId, clipIndex, snrDb, label: 'normal' };
        }
        for (const [k, kind] of anomalyKinds.entries()) {
          for (let c = 0; c < perKind; c++) {
            const clipIndex = first + clipsPerInstance + k * perKind + c;
            // Severity depends on the recording, not the SNR, so SNR variants stay comparable.
            const severity = new SeededRandom(deriveSeed(seed, 'severity', machineType, instanceId, clipIndex)).uniform(lo, hi);
            const anomaly = { kind, severity };
            yield { samples: generateAcousticClip({ ...base, clipIndex, anomaly }), sampleRate, machineType, instanceId, clipIndex, snrDb, label: 'anomaly', anomaly };
          }
        }
      }
    }
  }
}
