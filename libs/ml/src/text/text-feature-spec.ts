/**
 * How free text becomes hashed features, shared by the TypeScript reference
 * ({@link textFeatures}) and the graph ({@link addTextFeatures}). It travels in the model's
 * metadata so a reader knows what the graph computes.
 */
export interface TextFeatureSpec {
  /**
   * Size of the hash space ids fall in (at most 2^31). A model that keeps weights only for the
   * ids it saw in training (a vocabulary lookup) can use a large space and so avoid collisions.
   */
  readonly buckets: number;
  /** Base MurmurHash3 seed; each feature family hashes with its own seed derived from it. */
  readonly seed: number;
  /** Longest word n-gram: 1 (words) or 2 (words and adjacent pairs). */
  readonly wordNgrams: 1 | 2;
  /** Character n-gram lengths taken inside `<word>` (with boundary marks); empty for none. */
  readonly charNgrams: readonly number[];
  /** Words of a description (and of an equipment name) kept; later words are ignored. */
  readonly maxWords: number;
}

/** One family of features: its name in reports and the seed its strings are hashed with. */
export interface TextFeatureFamily {
  readonly name: string;
  readonly seed: number;
}

/** The default: 2^30 buckets, words, word pairs and character 3- to 5-grams, 64 words. */
export const DEFAULT_TEXT_FEATURES: TextFeatureSpec = Object.freeze({ buckets: 2 ** 30, seed: 0x7e57, wordNgrams: 2, charNgrams: Object.freeze([3, 4, 5]), maxWords: 64 });

/** Why `spec` cannot be built, or undefined when it can. */
export function textFeatureSpecProblem(spec: TextFeatureSpec): string | undefined {
  if (!Number.isInteger(spec.buckets) || spec.buckets < 2 || spec.buckets > 2 ** 31) return `buckets must be an integer in [2, 2^31], got ${spec.buckets}`;
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff - 200) return `seed must be an integer in [0, 2^32 - 201], got ${spec.seed}`;
  if (spec.wordNgrams !== 1 && spec.wordNgrams !== 2) return `wordNgrams must be 1 or 2, got ${String(spec.wordNgrams)}`;
  if (spec.charNgrams.some((n) => !Number.isInteger(n) || n < 2 || n > 8) || new Set(spec.charNgrams).size !== spec.charNgrams.length) return `charNgrams must be distinct integers in [2, 8], got [${spec.charNgrams.join(', ')}]`;
  if (!Number.isInteger(spec.maxWords) || spec.maxWords < 1 || spec.maxWords > 4096) return `maxWords must be an integer in [1, 4096], got ${spec.maxWords}`;
  return undefined;
}

/**
 * The families in the order both implementations emit them: description words, word pairs,
 * character n-grams by length, then equipment words. Seeds differ so that the word "oil" and
 * the trigram "oil" are different features.
 */
export function textFeatureFamilies(spec: TextFeatureSpec): TextFeatureFamily[] {
  const families: TextFeatureFamily[] = [{ name: 'word', seed: spec.seed }];
  if (spec.wordNgrams === 2) families.push({ name: 'word-pair', seed: spec.seed + 1 });
  for (const n of spec.charNgrams) families.push({ name: `char-${n}`, seed: spec.seed + 10 + n });
  families.push({ name: 'equipment', seed: spec.seed + 100 });
  return families;
}
