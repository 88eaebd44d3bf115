import type { ThermalAnomalyKind } from '@premonitor/ml/data';
import type { ThermalDatasetOptions } from '@premonitor/ml/data';

/** Fault kind kept out of every tuning choice (reported only). */
export const THERMAL_HELD_OUT_KINDS: readonly ThermalAnomalyKind[] = ['spreading'];

/** Fault kinds the validation machines carry, to compare settings. */
export const THERMAL_TUNING_KINDS: readonly ThermalAnomalyKind[] = ['hotspot', 'overheating', 'cooling_failure'];

/** The per-camera head (see `ThermalDeviceHead`); chosen on the validation machines (models/README.md). */
export interface ThermalDevicePlan {
  /** Directions of healthy variation kept (load, ambient). */
  readonly components: number;
  /** °C added to each pixel's residual spread. */
  readonly noiseFloor: number;
  readonly pool: number;
  readonly top: number;
  /** Share of the fleet head in the device error (0: it only lowered validation recall). */
  readonly fleetWeight: number;
  /** Healthy episodes of every validation and test camera its baseline is enrolled from (never scored). */
  /**
   * Each camera's own threshold (`baseline.threshold`): false alarms per day allowed at the frames
   * per day assumed until the camera's enrollment shows its own rate, and the weight (in samples)
   * of the spread learnt on the validation cameras against the camera's own.
   */
  readonly threshold: { readonly framesPerDay: number; readonly falseAlarmsPerDay: number; readonly priorWeight: number };
  readonly enrollment: Pick<ThermalDatasetOptions, 'episodesPerInstance' | 'framesPerEpisode' | 'frameStride' | 'firstEpisode'>;
}

/**
 * `patch-gaussian`: a Gaussian over local patches, scored by the largest patch Mahalanobis
 * distance (default; fits in seconds). `autoencoder`: a small conv autoencoder — tfjs can
 * train convolutions only on its slow 'cpu' backend here (about 80 s per epoch of 128
 * frames on the shared host), so it is not the default.
 */
export type ThermalArchitecture = 'patch-gaussian' | 'autoencoder';

/** Data and schedule of one thermal training run. */
export interface ThermalPlan {
  readonly architecture: ThermalArchitecture;
  /** Patch side of the patch Gaussian. */
  readonly patchSize: number;
  /** Covariance shrinkage of the patch Gaussian. */
  readonly shrinkage: number;
  readonly width: number;
  readonly height: number;
  readonly train: ThermalDatasetOptions;
  /** Healthy frames of other machines fix the thresholds; their tuning-kind faults guide choices. */
  readonly validation: ThermalDatasetOptions;
  /** Held-out machines with every fault kind. */
  readonly test: ThermalDatasetOptions;
  /** Conv channels of the encoder's two stages; the decoder mirrors them. */
  readonly channels: readonly [number, number];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly normalQuantile: number;
  readonly device: ThermalDevicePlan;
}

/**
 * The shipped configuration for one sensor size. Instances 0–7 train, 8–9 and 14–17
 * validate (their healthy episodes fix the thresholds, their tuning-kind faults compare
 * settings), 10–13 test; episodes are sampled every 4th frame so one run covers slow load
 * and ambient drift. Validation and test cameras are enrolled from episodes 100–101.
 */
export function thermalPlan(quick: boolean, architecture: ThermalArchitecture = 'patch-gaussian', width = 32, height = 24): ThermalPlan {
  const seed = 2024;
  const common = { width, height, seed, frameStride: 4, framesPerEpisode: quick ? 16 : 40 };
  return {
    architecture,
    patchSize: 7,
    shrinkage: 0.01,
    width,
    height,
    train: { ...common, instances: quick ? [0, 1, 2, 3] : [0, 1, 2, 3, 4, 5, 6, 7], episodesPerInstance: quick ? 2 : 4, anomalyKinds: [] },
    validation: { ...common, instances: quick ? [8, 9] : [8, 9, 14, 15, 16, 17], episodesPerInstance: quick ? 2 : 3, anomalyKinds: THERMAL_TUNING_KINDS, anomalousEpisodesPerKind: quick ? 1 : 2 },
    test: { ...common, instances: quick ? [10, 11] : [10, 11, 12, 13], episodesPerInstance: 2, anomalyKinds: ['hotspot', 'overheating', 'cooling_failure', 'spreading'], anomalousEpisodesPerKind: quick ? 1 : 2 },
    channels: [8, 16],
    epochs: quick ? 4 : 25,
    batchSize: 32,
    learningRate: 2e-3,
    seed: 11,
    normalQuantile: 0.99,
    // 80 frames over two sessions (every 4th frame of 160): enough load swing for the load and
    // ambient directions; 40 frames gave recall 0.980 instead of 0.990 on ≥ 4 °C faults.
    device: { components: 2, noiseFloor: 0.1, pool: 3, top: 4, fleetWeight: 0, threshold: { framesPerDay: 8640, falseAlarmsPerDay: 1, priorWeight: 8 }, enrollment: { episodesPerInstance: 2, framesPerEpisode: quick ? 20 : 40, frameStride: quick ? 8 : 4, firstEpisode: 100 } },
  };
}
