import { murmurHash3String } from './murmur-hash3.js';
import { textFeatureFamilies } from './text-feature-spec.js';
import type { TextFeatureSpec } from './text-feature-spec.js';

/** What a report's features are computed from. */
export interface TextInput {
  /** The free-text report. */
  readonly description: string;
  /** Equipment name and id, as one string ('' or absent when unknown). */
  readonly equipment?: string;
}

/** Hashed features of one text: parallel bucket ids and weights, one entry per occurrence. */
export interface HashedFeatures {
  readonly ids: number[];
  readonly weights: number[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Lower case one code point at a time, as onnxruntime's `StringNormalizer` does with the
 * C.UTF-8 locale (`towlower`): no context (a final Σ becomes σ, not ς) and never more code
 * points than went in (İ becomes i, not i + U+0307).
 */
export function lowerCase(text: string): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    out += lower.length === ch.length ? lower : String.fromCodePoint(lower.codePointAt(0)!);
  }
  return out;
}

/** The words features are built from: lower-cased runs of letters and digits, the first `maxWords`. */
export function tokenizeWords(text: string, maxWords: number): string[] {
  return (lowerCase(text).match(WORD) ?? []).slice(0, maxWords);
}

/**
 * The TypeScript reference of the text features the graph computes: per family, each
 * occurrence of a word, word pair (`"a b"`) or character n-gram of `<word>` is hashed
 * (MurmurHash3, the family's seed) into `spec.buckets`, weighted 1/√(occurrences in the family).
 * Training and serving both run the graph; this is for tests, baselines and explanations.
 */
export function textFeatures(input: TextInput, spec: TextFeatureSpec): HashedFeatures {
  const words = tokenizeWords(input.description, spec.maxWords);
  const byFamily = new Map<string, string[]>();
  byFamily.set('word', words);
  if (spec.wordNgrams === 2) byFamily.set('word-pair', words.slice(1).map((w, i) => `${words[i]!} ${w}`));
  for (const n of spec.charNgrams) byFamily.set(`char-${n}`, words.flatMap((w) => charNgrams(`<${w}>`, n)));
  byFamily.set('equipment', tokenizeWords(input.equipment ?? '', spec.maxWords));
  const ids: number[] = [];
  const weights: number[] = [];
  for (const family of textFeatureFamilies(spec)) {
    const grams = byFamily.get(family.name)!;
    const weight = Math.fround(1 / Math.sqrt(Math.max(1, grams.length)));
    for (const gram of grams) {
      ids.push(murmurHash3String(gram, family.seed) % spec.buckets);
      weights.push(weight);
    }
  }
  return { ids, weights };
}

/** The character n-grams of `text`, counted in code points. */
export function charNgrams(text: string, n: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i + n <= chars.length; i++) out.push(chars.slice(i, i + n).join(''));
  return out;
}
