import { SeededRandom } from '@premonitor/ml/data';
import type { ModelTarget, SparseRows, TextFeatureSpec } from '@premonitor/ml';
import { headProbabilities, layoutHeads, scoreRow, sigmoid } from './hashed-text-model.js';
import type { HashedTextModel, HeadLink } from './hashed-text-model.js';

/** Settings of {@link trainHashedTextModel}; {@link DEFAULT_HASHED_TRAINING} is what ships. */
export interface HashedTrainingOptions {
  /** Model of the ordinal targets (nominal targets always use softmax). */
  readonly ordinalLink: HeadLink;
  /** Passes over the examples. */
  readonly epochs: number;
  /** AdaGrad step size. */
  readonly learningRate: number;
  /** L2 penalty on the weights of the features an example touches. */
  readonly l2: number;
  /** Class weights (N / (K·n_k))^classBalance: 0 weighs every example alike, 1 balances the classes. */
  readonly classBalance: number;
  /** A feature gets weights when it occurs in at least this many training texts. */
  readonly minCount: number;
  /** Seed of the example order (the only randomness). */
  readonly seed: number;
}

export const DEFAULT_HASHED_TRAINING: HashedTrainingOptions = Object.freeze({ ordinalLink: 'cumulative', epochs: 12, learningRate: 0.2, l2: 3e-3, classBalance: 0.5, minCount: 1, seed: 1 });

/** Labelled examples: features and, per target, the class index of each example (−1 unknown). */
export interface TrainingExamples {
  readonly rows: SparseRows;
  readonly labels: readonly Int32Array[];
}

/** A fitted model and the mean weighted loss of each epoch. */
export interface HashedTrainingResult {
  readonly model: HashedTextModel;
  readonly epochLoss: readonly number[];
}

const EPS = 1e-8;

/**
 * Fits a {@link HashedTextModel} by per-example AdaGrad on the summed log-loss of the targets
 * (softmax cross-entropy, or the all-threshold logistic loss for cumulative heads). Sparse:
 * each step touches only the rows of the example's features. Deterministic for a seed.
 */
export function trainHashedTextModel(examples: TrainingExamples, targets: readonly ModelTarget[], features: TextFeatureSpec, options: HashedTrainingOptions = DEFAULT_HASHED_TRAINING): HashedTrainingResult {
  const n = examples.rows.offsets.length - 1;
  if (examples.labels.length !== targets.length || examples.labels.some((l) => l.length !== n)) throw new RangeError(`labels must be one Int32Array of ${n} per target`);
  const { heads, columns, thresholds: thresholdCount } = layoutHeads(targets, options.ordinalLink);
  const { vocabulary, rows } = buildVocabulary(examples.rows, options.minCount);
  const h = columns;
  const table = new Float32Array(vocabulary.length * h);
  const tableAcc = new Float32Array(table.length);
  const bias = new Float32Array(h);
  const biasAcc = new Float32Array(h);
  const thresholds = new Float32Array(thresholdCount);
  const thresholdAcc = new Float32Array(thresholdCount);
  const classWeights = heads.map((head, t) => classWeightsOf(examples.labels[t]!, head.target.classes.length, options.classBalance));
  // Start from the class priors, so the first epochs learn what the text adds to them.
  heads.forEach((head, t) => {
    const prior = classPrior(examples.labels[t]!, head.target.classes.length);
    if (head.link === 'softmax') prior.forEach((p, c) => (bias[head.column + c] = Math.log(p)));
    else {
      let below = 0;
      for (let c = 0; c < prior.length - 1; c++) {
        below += prior[c]!;
        thresholds[head.threshold + c] = Math.log(below / (1 - below));
      }
    }
  });

  const model: HashedTextModel = { features, targets, heads, columns, vocabulary, table, bias, thresholds };
  const random = new SeededRandom(options.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const scores = new Float64Array(h);
  const grad = new Float64Array(h);
  const thresholdGrad = new Float64Array(thresholdCount);
  const epochLoss: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    let loss = 0;
    let weightSum = 0;
    for (const i of order) {
      const start = rows.offsets[i]!;
      const end = rows.offsets[i + 1]!;
      const exRows = rows.ids.subarray(start, end);
      const exWeights = rows.weights.subarray(start, end);
      scoreRow(model, exRows, exWeights, scores);
      grad.fill(0);
      let labelled = false;
      for (let t = 0; t < heads.length; t++) {
        const y = examples.labels[t]![i]!;
        if (y < 0) continue;
        labelled = true;
        const head = heads[t]!;
        const cw = classWeights[t]![y]!;
        weightSum += cw;
        if (head.link === 'softmax') {
          const p = headProbabilities(head, scores, thresholds);
          for (let c = 0; c < p.length; c++) grad[head.column + c] = cw * (p[c]! - (c === y ? 1 : 0));
          loss -= cw * Math.log(Math.max(p[y]!, 1e-12));
        } else {
          const s = scores[head.column]!;
          for (let k = 0; k < head.target.classes.length - 1; k++) {
            const z = y > k ? 1 : -1;
            const margin = z * (s - thresholds[head.threshold + k]!);
            const g = -z * sigmoid(-margin);
            grad[head.column] += cw * g;
            thresholdGrad[head.threshold + k] = -cw * g;
            loss += cw * softplus(-margin);
          }
        }
      }
      if (!labelled) continue;
      for (let j = 0; j < exRows.length; j++) {
        const base = exRows[j]! * h;
        const w = exWeights[j]!;
        for (let c = 0; c < h; c++) {
          if (grad[c] === 0) continue;
          const at = base + c;
          const g = w * grad[c]! + options.l2 * table[at]!;
          tableAcc[at] += g * g;
          table[at] -= (options.learningRate * g) / (Math.sqrt(tableAcc[at]!) + EPS);
        }
      }
      for (let c = 0; c < h; c++) {
        if (grad[c] === 0) continue;
        biasAcc[c] += grad[c]! * grad[c]!;
        bias[c] -= (options.learningRate * grad[c]!) / (Math.sqrt(biasAcc[c]!) + EPS);
      }
      for (let t = 0; t < heads.length; t++) {
        const head = heads[t]!;
        if (head.link !== 'cumulative' || examples.labels[t]![i]! < 0) continue;
        for (let k = 0; k < head.target.classes.length - 1; k++) {
          const at = head.threshold + k;
          const g = thresholdGrad[at]!;
          thresholdAcc[at] += g * g;
          thresholds[at] -= (options.learningRate * g) / (Math.sqrt(thresholdAcc[at]!) + EPS);
          // Thresholds must stay ordered for the class probabilities to be probabilities.
          if (k > 0 && thresholds[at]! < thresholds[at - 1]!) thresholds[at] = thresholds[at - 1]!;
          thresholdGrad[at] = 0;
        }
      }
    }
    epochLoss.push(weightSum > 0 ? loss / weightSum : 0);
  }
  return { model, epochLoss };
}

/**
 * The feature ids that occur in at least `minCount` texts (sorted), and the rows rewritten to
 * vocabulary indices with the other ids dropped.
 */
export function buildVocabulary(rows: SparseRows, minCount: number): { vocabulary: Int32Array; rows: SparseRows } {
  const count = new Map<number, number>();
  const n = rows.offsets.length - 1;
  for (let i = 0; i < n; i++) {
    const seen = new Set(rows.ids.subarray(rows.offsets[i]!, rows.offsets[i + 1]!));
    for (const id of seen) count.set(id, (count.get(id) ?? 0) + 1);
  }
  const vocabulary = Int32Array.from([...count].filter(([, c]) => c >= minCount).map(([id]) => id)).sort();
  const index = new Map<number, number>();
  vocabulary.forEach((id, i) => index.set(id, i));
  const offsets = new Uint32Array(n + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = rows.offsets[i]!; j < rows.offsets[i + 1]!; j++) {
      const row = index.get(rows.ids[j]!);
      if (row === undefined) continue;
      ids.push(row);
      weights.push(rows.weights[j]!);
    }
    offsets[i + 1] = ids.length;
  }
  return { vocabulary, rows: { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights) } };
}

function classPrior(labels: Int32Array, k: number): Float64Array {
  // Add-one smoothing keeps a class absent from the data at a finite logit.
  const counts = new Float64Array(k).fill(1);
  for (const y of labels) if (y >= 0) counts[y]! += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

function classWeightsOf(labels: Int32Array, k: number, power: number): Float64Array {
  const counts = new Float64Array(k);
  let n = 0;
  for (const y of labels) {
    if (y < 0) continue;
    counts[y]! += 1;
    n++;
  }
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? (n / (present * c)) ** power : 0));
}

function shuffle(order: number[], random: SeededRandom): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
}

function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}
