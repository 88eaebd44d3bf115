// Hashed text features for free-text reports: one spec, a TypeScript reference, the graph.
export { murmurHash3, murmurHash3String } from './murmur-hash3.js';
export { DEFAULT_TEXT_FEATURES, textFeatureFamilies, textFeatureSpecProblem } from './text-feature-spec.js';
export type { TextFeatureFamily, TextFeatureSpec } from './text-feature-spec.js';
export { charNgrams, lowerCase, textFeatures, tokenizeWords } from './text-features.js';
export type { HashedFeatures, TextInput } from './text-features.js';
export { TEXT_FEATURE_OPSETS, TEXT_LOCALE, addTextFeatures, buildTextFeatureModel } from './text-feature-graph.js';
export type { TextFeatureValues } from './text-feature-graph.js';
export { TextFeatureError, TextFeatureExtractor, textInputFeeds } from './text-feature-extractor.js';
export type { SparseRows } from './text-feature-extractor.js';
