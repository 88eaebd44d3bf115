import { SeededRandom } from '@premonitor/ml/data';
import type { ThermalIrSample } from './thermal-ir-sample.js';

/** Fractions of each class that go to training and validation; the rest is the test split. */
export interface SplitFractions {
  readonly train: number;
  readonly validation: number;
}

/** Disjoint index lists into the samples. */
export interface SampleSplit {
  readonly train: readonly number[];
  readonly validation: readonly number[];
  readonly test: readonly number[];
}

/**
 * Splits by image id, stratified by class, with a seeded shuffle: each class contributes the
 * same fractions to each split, so the 142-image classes are present in all three. Samples are
 * ordered by id first, so the split depends on the seed and the ids, not on the load order.
 */
export function splitByImageId(samples: readonly ThermalIrSample[], seed: number, fractions: SplitFractions): SampleSplit {
  const byClass = new Map<string, number[]>();
  const order = samples.map((_, i) => i).sort((a, b) => compareIds(samples[a]!.id, samples[b]!.id));
  for (const i of order) {
    const list = byClass.get(samples[i]!.label) ?? [];
    list.push(i);
    byClass.set(samples[i]!.label, list);
  }
  const random = new SeededRandom(seed);
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort()) {
    const list = byClass.get(label)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    const nTrain = Math.round(list.length * fractions.train);
    const nValidation = Math.round(list.length * fractions.validation);
    train.push(...list.slice(0, nTrain));
    validation.push(...list.slice(nTrain, nTrain + nValidation));
    test.push(...list.slice(nTrain + nValidation));
  }
  const sort = (a: number[]): number[] => a.sort((x, y) => x - y);
  return { train: sort(train), validation: sort(validation), test: sort(test) };
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
}
