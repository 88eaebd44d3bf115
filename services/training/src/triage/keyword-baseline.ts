import { tokenizeWords } from '@premonitor/ml';
import type { ModelTarget } from '@premonitor/ml';
import { decodeClass } from './hashed-text-model.js';

/** Settings of the keyword baseline. */
export interface KeywordBaselineOptions {
  /** A word becomes a keyword when it occurs in at least this many labelled training texts. */
  readonly minSupport: number;
  /** Add-α smoothing of a keyword's class distribution toward the training prior. */
  readonly smoothing: number;
  /** Words considered per text, as the model's tokenizer keeps them. */
  readonly maxWords: number;
}

export const DEFAULT_KEYWORD_BASELINE: KeywordBaselineOptions = Object.freeze({ minSupport: 3, smoothing: 1, maxWords: 64 });

/**
 * The keyword baseline, learnt from the training texts: every word seen in ≥ `minSupport`
 * labelled texts is a keyword with its (smoothed) class distribution. A text takes the class
 * of its most decisive keyword — the one whose distribution peaks highest — (its majority
 * class, or its median for an ordinal target), and the training majority class when it has
 * none. A one-rule classifier: what an engineer's lookup table of telling words would do.
 */
export class KeywordBaseline {
  readonly #rules: Map<string, { peak: number; support: number; decision: number }>;
  readonly #fallback: number;
  readonly #maxWords: number;

  private constructor(rules: Map<string, { peak: number; support: number; decision: number }>, fallback: number, maxWords: number) {
    this.#rules = rules;
    this.#fallback = fallback;
    this.#maxWords = maxWords;
  }

  /** Learns the keywords of `target` from `texts` with class indices `labels` (−1 ignored). */
  static fit(texts: readonly string[], labels: Int32Array, target: ModelTarget, options: KeywordBaselineOptions = DEFAULT_KEYWORD_BASELINE): KeywordBaseline {
    const k = target.classes.length;
    const prior = new Float64Array(k);
    const counts = new Map<string, Float64Array>();
    texts.forEach((text, i) => {
      const y = labels[i]!;
      if (y < 0) return;
      prior[y]! += 1;
      for (const word of new Set(tokenizeWords(text, options.maxWords))) {
        const c = counts.get(word) ?? new Float64Array(k);
        c[y]! += 1;
        counts.set(word, c);
      }
    });
    const total = prior.reduce((a, b) => a + b, 0);
    const priorP = prior.map((c) => c / Math.max(1, total));
    const rules = new Map<string, { peak: number; support: number; decision: number }>();
    for (const [word, c] of counts) {
      const support = c.reduce((a, b) => a + b, 0);
      if (support < options.minSupport) continue;
      const p = c.map((v, j) => (v + options.smoothing * priorP[j]!) / (support + options.smoothing));
      rules.set(word, { peak: Math.max(...p), support, decision: decide(p, target) });
    }
    return new KeywordBaseline(rules, decide(priorP, target), options.maxWords);
  }

  /** The class index for `text`. */
  predict(text: string): number {
    let best: { peak: number; support: number; decision: number } | undefined;
    for (const word of tokenizeWords(text, this.#maxWords)) {
      const rule = this.#rules.get(word);
      if (rule && (!best || rule.peak > best.peak || (rule.peak === best.peak && rule.support > best.support))) best = rule;
    }
    return best ? best.decision : this.#fallback;
  }

  /** Number of keywords learnt. */
  get size(): number {
    return this.#rules.size;
  }
}

/** The majority-class baseline: the most frequent training class of `labels` (−1 ignored). */
export function majorityClass(labels: Int32Array, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (const y of labels) if (y >= 0) counts[y]! += 1;
  return counts.indexOf(Math.max(...counts));
}

function decide(p: ArrayLike<number>, target: ModelTarget): number {
  return decodeClass(p, target.kind === 'ordinal' ? 'median' : 'argmax');
}
