import type { Json } from '@premonitor/db';
import type { SpectrumReference } from '../drift/score-reference.js';
import type { RunSample } from './thermal-samples.js';

/** What a training job is given (structured-cloned into its child process or worker thread). */
export interface TrainJob {
  readonly kind: 'thermal' | 'acoustic';
  readonly sampleStoreDir: string;
  readonly samples: readonly RunSample[];
  /** The production model's bytes, scored on the same held-out set (absent: no champion). */
  readonly champion?: { readonly version: string; readonly bytes: Uint8Array };
  /** Most classifier epochs (default the plan's; thermal only: the acoustic Gaussians have none). */
  readonly epochs?: number;
  readonly quick: boolean;
  /** Share of the device groups held out for the gate. */
  readonly heldOutFraction: number;
  readonly splitSeed: number;
  /** Train on labels shuffled among the training samples: a deliberately worse candidate, to prove the gate. */
  readonly shuffleLabels: boolean;
  /** Train on labels inverted (normal ↔ anomalous): a deliberately bad candidate that flags healthy machines, to prove the rollout watch. */
  readonly invertLabels: boolean;
  /** Train on these devices' samples only (`site/device`; absent: all); the held-out set is all devices' share. */
  readonly trainDevices?: readonly string[];
  /** CPU priority (nice value, 0–19) of every thread of the training: 19, the lowest, by default (`RETRAINING_TRAIN_NICE`). */
  readonly nice: number;
  /** ms since the epoch: the candidate's version time. */
  readonly now: number;
}

/** What a worker posts back. */
export type TrainMessage =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'epoch'; readonly epoch: number; readonly epochs: number; readonly loss: number; readonly elapsedS: number }
  | {
      readonly type: 'done';
      readonly version: string;
      readonly bytes: Uint8Array;
      /** The evaluation chart (PNG). */
      readonly chart: Uint8Array;
      readonly evaluation: HeldOutEvaluation;
      /** The candidate's scores of the held-out normal samples (its reference distribution). */
      readonly normalScores: readonly number[];
      /** Acoustic: the mean band shares of the training clips (the spectral input reference). */
      readonly inputSpectrum?: SpectrumReference;
      readonly lineage: Readonly<Record<string, Json>>;
      /** Peak resident memory of the training process (in a worker thread: of the whole service). */
      readonly peakRssMiB: number;
    }
  | { readonly type: 'failed'; readonly error: string };

/** Both models on the same held-out samples. */
export interface HeldOutEvaluation {
  readonly heldOut: { readonly samples: number; readonly normal: number; readonly devices: number };
  readonly candidate: Readonly<Record<string, number>>;
  readonly champion?: Readonly<Record<string, number>>;
  /** Why the champion has no figures (cannot score these samples, none in production). */
  readonly championNote?: string;
  /** The candidate's full report on the held-out set (per class, confusion). */
  readonly report: Json;
}
