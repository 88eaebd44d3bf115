import { DataOptionsError } from './data-errors.js';
import type { ThermalAnomaly, ThermalAnomalyKind } from './thermal-anomaly.js';
import { renderThermalFrame } from './thermal-frame.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';

/** Which frames to generate; every combination is enumerated in a fixed order. */
export interface ThermalDatasetOptions {
  readonly width: number;
  readonly height: number;
  /** Instance ids; keep training and evaluation ids disjoint for held-out tests. */
  readonly instances: readonly number[];
  /** Healthy episodes per instance. */
  readonly episodesPerInstance: number;
  /** Frames per episode (t = 0 … framesPerEpisode − 1, times `frameStride`). */
  readonly framesPerEpisode: number;
  /** Frame-index step between yielded frames, to cover long episodes sparsely (default 1). */
  readonly frameStride?: number;
  /** Fault kinds; empty for a normal-only set. */
  readonly anomalyKinds: readonly ThermalAnomalyKind[];
  /** Faulty episodes per instance and kind (default `episodesPerInstance`). */
  readonly anomalousEpisodesPerKind?: number;
  /** Severity range faults are drawn from (default [0.5, 1]). */
  readonly severity?: readonly [number, number];
  /** A faulty episode's frame is labelled `'anomaly'` once the fault adds at least this many °C (default 1). */
  readonly labelThresholdC?: number;
  /** First episode number, so splits of one instance do not share episodes (default 0). */
  readonly firstEpisode?: number;
  readonly seed: number;
}

/** One labelled frame. */
export interface ThermalExample {
  readonly celsius: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly instanceId: number;
  readonly episode: number;
  readonly t: number;
  readonly load: number;
  readonly ambientC: number;
  readonly label: 'normal' | 'anomaly';
  /** The episode's fault, if any (present even on frames before it shows). */
  readonly anomaly?: ThermalAnomaly;
  /** Largest rise the fault causes in this frame, °C. */
  readonly anomalyDeltaC: number;
}

/**
 * Yields frames one at a time: instance → healthy episodes, then faulty episodes per kind.
 * A faulty episode's fault starts in its first half and ramps over a third of it, so its
 * early frames are healthy (and labelled so) and gradual faults grow frame by frame.
 */
export function* thermalDataset(options: ThermalDatasetOptions): Generator<ThermalExample, void, undefined> {
  const { width, height, instances, episodesPerInstance, framesPerEpisode, anomalyKinds, seed } = options;
  const stride = options.frameStride ?? 1;
  const perKind = options.anomalousEpisodesPerKind ?? episodesPerInstance;
  const [lo, hi] = options.severity ?? [0.5, 1];
  const threshold = options.labelThresholdC ?? 1;
  const first = options.firstEpisode ?? 0;
  if (!(Number.isInteger(framesPerEpisode) && framesPerEpisode > 0 && stride > 0)) throw new DataOptionsError('framesPerEpisode must be a positive integer and frameStride > 0');
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw new DataOptionsError(`severity range must lie in [0, 1], got [${lo}, ${hi}]`);
  const length = framesPerEpisode * stride;

  for (const instanceId of instances) {
    const base = { width, height, instanceId, seed };
    for (let e = 0; e < episodesPerInstance; e++) {
      const episode = first + e;
      for (let f = 0; f < framesPerEpisode; f++) {
        const frame = renderThermalFrame({ ...base, episode, t: f * stride });
        yield { ...frame, instanceId, episode, t: f * stride, label: 'normal' };
      }
    }
    for (const [k, kind] of anomalyKinds.entries()) {
      for (let e = 0; e < perKind; e++) {
        const episode = first + episodesPerInstance + k * perKind + e;
        const r = new SeededRandom(deriveSeed(seed, 'thermal-episode-fault', instanceId, episode));
        const anomaly: ThermalAnomaly = { kind, severity: r.uniform(lo, hi), onsetT: Math.floor(r.uniform(0, 0.5) * length), rampFrames: Math.ceil(length / 3) };
        for (let f = 0; f < framesPerEpisode; f++) {
          const frame = renderThermalFrame({ ...base, episode, t: f * stride, anomaly });
          const label = frame.anomalyDeltaC >= threshold ? 'anomaly' : 'normal';
          yield { ...frame, instanceId, episode, t: f * stride, label, anomaly };
        }
      }
    }
  }
}
