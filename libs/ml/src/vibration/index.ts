export { addVibrationFeatures, vibrationFeatureCount, vibrationFeatures } from './vibration-features.js';
export type { VibrationFeatureSpec } from './vibration-features.js';
export { buildVibrationModel } from './vibration-graph.js';
export type { LinearMap, VibrationGraphSpec } from './vibration-graph.js';
