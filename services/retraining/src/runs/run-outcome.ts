import type { Json } from '@premonitor/db';
import type { FileArtifactStore } from '@premonitor/registry';
import { SeededRandom } from '@premonitor/ml/data';
import type { SpectrumReference } from '../drift/score-reference.js';
import type { HeldOutEvaluation, TrainJob, TrainMessage } from './train-job.js';

/** What a kind's run is given inside the training worker. */
export interface RunContext {
  readonly job: TrainJob;
  readonly store: FileArtifactStore;
  readonly log: (line: string) => void;
  readonly post: (m: TrainMessage) => void;
}

/** What a kind's run hands back: the candidate, both models on the held-out set, the chart, the lineage. */
export interface RunOutcome {
  readonly version: string;
  readonly bytes: Uint8Array;
  readonly evaluation: HeldOutEvaluation;
  /** The evaluation chart (PNG). */
  readonly chart: Uint8Array;
  /** The candidate's scores of the held-out normal samples: its reference for drift and rollout watches. */
  readonly normalScores: readonly number[];
  /** Acoustic: the mean band shares of the clips it was trained on (the spectral input reference). */
  readonly inputSpectrum?: SpectrumReference;
  readonly lineage: Readonly<Record<string, Json>>;
}

/** Shuffles labels in place (Fisher–Yates with the one seeded random: the same job shuffles the same way). */
export function shuffledLabels<T>(labels: T[], seed: number): T[] {
  const random = new SeededRandom(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  return labels;
}
