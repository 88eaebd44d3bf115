import { deliberateLabels, trainingDevices } from './run-outcome.js';
import { sampleClass, splitByDevice, type RunSample } from './thermal-samples.js';
import type { TrainJob } from './train-job.js';

/** What decides a job's training set: the same fields the training process reads. */
export type TrainingSetJob = Pick<TrainJob, 'kind' | 'heldOutFraction' | 'splitSeed' | 'trainDevices' | 'shuffleLabels' | 'invertLabels'>;

/** The training share of a job's samples and the labels it trains on (after shuffling or inverting). */
export interface TrainingSet {
  readonly train: readonly RunSample[];
  readonly heldOut: readonly RunSample[];
  /** The training samples' classes as the trainer sees them (`normal`, a fault class or `anomalous`), deliberate changes applied. */
  readonly labels: readonly string[];
}

/**
 * The training set a job will get, from the sample rows alone (no decoding): the split by
 * device, the `trainDevices` restriction and the deliberate label changes, exactly as the
 * training process applies them. The runner checks it before it takes the kind's lease.
 */
export function trainingSetOf(samples: readonly RunSample[], job: TrainingSetJob): TrainingSet {
  const split = splitByDevice(samples.map((sample) => ({ sample })), job.heldOutFraction, job.splitSeed);
  const train = trainingDevices(split.train, job).map((d) => d.sample);
  return { train, heldOut: split.heldOut.map((d) => d.sample), labels: deliberateLabels(train.map(sampleClass), job) };
}

/**
 * Why a job's training set cannot train its kind, or undefined when it can. `trainDevices`
 * that match no training sample (no samples of the kind, or all of them in the held-out
 * share) are named. A thermal model needs normal and anomalous training samples (the
 * classifier and the normal subspace); an acoustic one fits healthy clips, so with
 * `trainDevices` those devices must give it at least one `normal` sample (without a
 * restriction the generated corpus alone still makes a model).
 */
export function trainingSetProblem(samples: readonly RunSample[], job: TrainingSetJob): string | undefined {
  const set = trainingSetOf(samples, job);
  const of = `${/^[aeiou]/.test(job.kind) ? 'an' : 'a'} ${job.kind} run`;
  if (job.trainDevices) {
    const training = new Set(set.train.map((s) => s.device));
    const heldOut = new Set(set.heldOut.map((s) => s.device));
    const none = job.trainDevices.filter((d) => !training.has(d));
    if (none.length === job.trainDevices.length) {
      return `${of} with trainDevices ${list(none)} has no training data: ${describe(none, heldOut)}`;
    }
  }
  const normal = set.labels.filter((l) => l === 'normal').length;
  const restricted = job.trainDevices ? ` of trainDevices ${list(job.trainDevices)}` : '';
  const changed = job.invertLabels ? ' (labels inverted)' : job.shuffleLabels ? ' (labels shuffled)' : '';
  if (normal === 0 && (job.kind === 'thermal' || job.trainDevices)) return `${of} needs normal training samples; the ${set.train.length} training samples${restricted} have none${changed}`;
  if (job.kind === 'thermal' && normal === set.labels.length) return `${of} needs anomalous training samples; the ${set.train.length} training samples${restricted} are all normal${changed}`;
  return undefined;
}

function describe(devices: readonly string[], heldOut: ReadonlySet<string | null>): string {
  const held = devices.filter((d) => heldOut.has(d));
  const absent = devices.filter((d) => !heldOut.has(d));
  return [absent.length > 0 ? `no labelled samples of this kind from ${list(absent)}` : '', held.length > 0 ? `${list(held)} fall in the held-out share (split by device)` : ''].filter(Boolean).join('; ');
}

function list(devices: readonly string[]): string {
  return devices.length > 5 ? `${devices.slice(0, 5).join(', ')} and ${devices.length - 5} more` : devices.join(', ');
}
