export { BaselineError, MAX_SUBSPACE_FRAMES, baselineLength, baselineShape, checkBaselineSpec } from './baseline-spec.js';
export type { BaselineSpec } from './baseline-spec.js';
export { fitBaseline } from './fit-baseline.js';
export { enrollmentDecision } from './enrollment-policy.js';
export type { EnrollmentDecision, EnrollmentPolicy } from './enrollment-policy.js';
export { packBaselineFeed } from './baseline-feed.js';
export type { BaselineFeed } from './baseline-feed.js';
