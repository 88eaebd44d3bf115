import { SeededRandom, deriveSeed, renderAcousticClip, dbToGain } from '@premonitor/ml/data';
import type { AcousticAnomaly, AcousticAnomalyKind, MachineType } from '@premonitor/ml/data';

/** Which recordings one split holds; every recording is mixed at every SNR. */
export interface AcousticSplit {
  /** Machine families. */
  readonly machineTypes: readonly MachineType[];
  /** Machine instances; keep them disjoint between train, validation and test. */
  readonly instances: readonly number[];
  /** Healthy recordings per instance. */
  readonly normalClips: number;
  /** Fault kinds; empty for a healthy-only split. */
  readonly anomalyKinds: readonly AcousticAnomalyKind[];
  /** Faulty recordings per instance and kind. */
  readonly anomalousClipsPerKind: number;
  /** Mixing SNRs in dB. */
  readonly snrs: readonly number[];
  /** Fault severity range (default [0.5, 1], as `acousticDataset`). */
  readonly severity?: readonly [number, number];
  /** Index of the first recording (default 0); enrollment clips start far above a split's own. */
  readonly firstClipIndex?: number;
}

/** One clip of a split, as the microphone hears it. */
export interface AcousticClip {
  readonly machineType: MachineType;
  readonly instanceId: number;
  readonly clipIndex: number;
  readonly snrDb: number;
  readonly anomaly?: AcousticAnomaly;
  /** Float PCM on the int16 grid (value = int16 / 32768), the model's `pcm` input. */
  readonly samples: Float32Array;
}

/** Number of clips {@link renderAcousticSplit} yields. */
export function acousticSplitSize(split: AcousticSplit): number {
  const recordings = split.normalClips + split.anomalyKinds.length * split.anomalousClipsPerKind;
  return split.machineTypes.length * split.instances.length * recordings * split.snrs.length;
}

/**
 * Yields the clips of a split. Each recording is rendered once and its background rescaled
 * for every SNR — the generator scales the background linearly with `1 / dbToGain(snr)`,
 * so this equals `generateAcousticClip` per SNR at a third of the cost. Clip indices and
 * severities follow `acousticDataset`, so the same seed gives the same recordings.
 */
export function* renderAcousticSplit(split: AcousticSplit, seed: number): Generator<AcousticClip, void, undefined> {
  const [lo, hi] = split.severity ?? [0.5, 1];
  const [firstSnr] = split.snrs;
  if (firstSnr === undefined) return;
  for (const machineType of split.machineTypes) {
    for (const instanceId of split.instances) {
      const recordings: { clipIndex: number; anomaly?: AcousticAnomaly }[] = [];
      const first = split.firstClipIndex ?? 0;
      for (let c = 0; c < split.normalClips; c++) recordings.push({ clipIndex: first + c });
      split.anomalyKinds.forEach((kind, k) => {
        for (let c = 0; c < split.anomalousClipsPerKind; c++) {
          const clipIndex = first + split.normalClips + k * split.anomalousClipsPerKind + c;
          const severity = new SeededRandom(deriveSeed(seed, 'severity', machineType, instanceId, clipIndex)).uniform(lo, hi);
          recordings.push({ clipIndex, anomaly: { kind, severity } });
        }
      });
      for (const { clipIndex, anomaly } of recordings) {
        const parts = renderAcousticClip({ machineType, instanceId, seed, clipIndex, snrDb: firstSnr, anomaly });
        for (const snrDb of split.snrs) {
          const gain = dbToGain(firstSnr) / dbToGain(snrDb);
          const samples = new Float32Array(parts.machine.length);
          for (let i = 0; i < samples.length; i++) samples[i] = toInt16Grid(parts.machine[i]! + parts.background[i]! * gain);
          yield { machineType, instanceId, clipIndex, snrDb, anomaly, samples };
        }
      }
    }
  }
}

/** Rounds to the value a 16-bit ADC would deliver, so training sees what the edge sends. */
function toInt16Grid(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(x * 32768))) / 32768;
}
