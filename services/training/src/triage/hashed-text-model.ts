import type { ModelTarget, TextFeatureSpec } from '@premonitor/ml';

/**
 * How a target's scores become class probabilities. `softmax`: one logit per class.
 * `cumulative`: one score s and ordered thresholds θ, P(y > k) = σ(s − θ_k) (ordinal logistic).
 */
export type HeadLink = 'softmax' | 'cumulative';

/** Where one target lives in the model's columns and thresholds. */
export interface HeadLayout {
  readonly target: ModelTarget;
  readonly link: HeadLink;
  /** First column of the head in `table` and `bias`. */
  readonly column: number;
  /** Columns it uses: the class count for softmax, 1 for cumulative. */
  readonly width: number;
  /** First of its K − 1 thresholds in `thresholds` (cumulative only). */
  readonly threshold: number;
  /** `median` of the class distribution for ordinal targets (least expected error), else `argmax`. */
  readonly decode: 'median' | 'argmax';
}

/**
 * A linear model over hashed text features: a row of weights per feature id seen in training
 * (`vocabulary`, sorted), summed with the feature weights, plus a bias, read by one head per
 * target. Ids not in the vocabulary contribute nothing.
 */
export interface HashedTextModel {
  readonly features: TextFeatureSpec;
  readonly targets: readonly ModelTarget[];
  readonly heads: readonly HeadLayout[];
  readonly columns: number;
  readonly vocabulary: Int32Array;
  /** `vocabulary.length × columns`, row-major. */
  readonly table: Float32Array;
  readonly bias: Float32Array;
  readonly thresholds: Float32Array;
}

/** One target's prediction for one text. */
export interface TargetPrediction {
  /** Index into the target's classes. */
  readonly index: number;
  /** Probability the model gives that class. */
  readonly confidence: number;
  readonly probabilities: Float32Array;
}

/** Lays the targets out: ordinal targets use `ordinalLink`, nominal ones softmax. */
export function layoutHeads(targets: readonly ModelTarget[], ordinalLink: HeadLink): { heads: HeadLayout[]; columns: number; thresholds: number } {
  let column = 0;
  let threshold = 0;
  const heads = targets.map((target): HeadLayout => {
    const link = target.kind === 'ordinal' ? ordinalLink : 'softmax';
    const width = link === 'softmax' ? target.classes.length : 1;
    const head = { target, link, column, width, threshold, decode: target.kind === 'ordinal' ? ('median' as const) : ('argmax' as const) };
    column += width;
    if (link === 'cumulative') threshold += target.classes.length - 1;
    return head;
  });
  return { heads, columns: column, thresholds: threshold };
}

/** Scores of one text: `bias + Σ weight · table[row]` over its in-vocabulary features (rows given). */
export function scoreRow(model: Pick<HashedTextModel, 'columns' | 'table' | 'bias'>, rows: ArrayLike<number>, weights: ArrayLike<number>, out = new Float64Array(model.columns)): Float64Array {
  const h = model.columns;
  for (let c = 0; c < h; c++) out[c] = model.bias[c]!;
  for (let j = 0; j < rows.length; j++) {
    const base = rows[j]! * h;
    const w = weights[j]!;
    for (let c = 0; c < h; c++) out[c] += w * model.table[base + c]!;
  }
  return out;
}

/** Class probabilities of `head` from a text's scores. */
export function headProbabilities(head: HeadLayout, scores: ArrayLike<number>, thresholds: ArrayLike<number>): Float64Array {
  const k = head.target.classes.length;
  const p = new Float64Array(k);
  if (head.link === 'softmax') {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, scores[head.column + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += p[c] = Math.exp(scores[head.column + c]! - max);
    for (let c = 0; c < k; c++) p[c]! /= sum;
    return p;
  }
  const s = scores[head.column]!;
  let above = 1;
  for (let c = 0; c < k - 1; c++) {
    const next = sigmoid(s - thresholds[head.threshold + c]!);
    p[c] = above - next;
    above = next;
  }
  p[k - 1] = above;
  return p;
}

/** The decoded class: median (first class whose cumulative probability reaches ½) or argmax. */
export function decodeClass(probabilities: ArrayLike<number>, decode: HeadLayout['decode']): number {
  let best = 0;
  if (decode === 'argmax') {
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c;
    return best;
  }
  let cumulative = 0;
  for (let c = 0; c < probabilities.length - 1; c++) {
    cumulative += probabilities[c]!;
    if (!(cumulative < 0.5)) return c;
  }
  return probabilities.length - 1;
}

/** Predictions of every target for one text whose features are already mapped to rows. */
export function predictRow(model: HashedTextModel, rows: ArrayLike<number>, weights: ArrayLike<number>): TargetPrediction[] {
  const scores = scoreRow(model, rows, weights);
  return model.heads.map((head) => {
    const probabilities = Float32Array.from(headProbabilities(head, scores, model.thresholds));
    const index = decodeClass(probabilities, head.decode);
    return { index, confidence: probabilities[index]!, probabilities };
  });
}

/** Maps hashed feature ids to vocabulary rows, dropping unknown ids. */
export function vocabularyRows(vocabulary: Int32Array, ids: ArrayLike<number>, weights: ArrayLike<number>): { rows: number[]; weights: number[] } {
  const rows: number[] = [];
  const kept: number[] = [];
  for (let j = 0; j < ids.length; j++) {
    const row = binarySearch(vocabulary, ids[j]!);
    if (row >= 0) {
      rows.push(row);
      kept.push(weights[j]!);
    }
  }
  return { rows, weights: kept };
}

function binarySearch(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
