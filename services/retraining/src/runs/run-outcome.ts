import type { Json } from '@premonitor/db';
import type { FileArtifactStore } from '@premonitor/registry';
import { SeededRandom } from '@premonitor/ml/data';
import type { SpectrumReference } from '../drift/score-reference.js';
import type { HeldOutEvaluation, TrainJob, TrainMessage } from './train-job.js';
import type { RunSample } from './thermal-samples.js';

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

/**
 * The training labels a deliberately bad job asks for, in place: shuffled (a candidate bad at
 * ranking, for the gate), or inverted — `normal` ↔ anomalous, every fault class becoming
 * `normal` — a candidate that learns the faults as healthy, so healthy machines look
 * anomalous to it (for the rollout watch). Otherwise the labels as given.
 */
export function deliberateLabels(labels: string[], job: Pick<TrainJob, 'shuffleLabels' | 'invertLabels' | 'splitSeed'>): string[] {
  if (job.invertLabels) labels.forEach((l, i) => (labels[i] = l === 'normal' ? 'anomalous' : 'normal'));
  if (job.shuffleLabels) shuffledLabels(labels, job.splitSeed);
  return labels;
}

/**
 * The training samples a job restricted to some devices keeps (`trainDevices`, `site/device`):
 * a model for one machine group — on a fleet, also a deliberately narrow candidate whose
 * healthy machines of the other groups sound unfamiliar. The held-out set is not restricted.
 */
export function trainingDevices<T extends { readonly sample: RunSample }>(train: readonly T[], job: Pick<TrainJob, 'trainDevices'>): T[] {
  const only = job.trainDevices ? new Set(job.trainDevices) : undefined;
  return only ? train.filter((d) => d.sample.device !== null && only.has(d.sample.device)) : [...train];
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
