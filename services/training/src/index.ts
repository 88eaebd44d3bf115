// Public door of @premonitor/training: the training pipelines the CLI wires, for a future
// retraining trigger to call in-process.
export { trainAcoustic } from './acoustic/train-acoustic.js';
export type { TrainAcousticOptions } from './acoustic/train-acoustic.js';
export { trainThermal } from './thermal/train-thermal.js';
export type { TrainThermalOptions } from './thermal/train-thermal.js';
export { writeArtifacts } from './artifact-writer.js';
export type { WrittenArtifacts } from './artifact-writer.js';
export { registerTrainedModel } from './model-registration.js';
export type { RegistrationResult, RegistrationTarget } from './model-registration.js';
export type { ModelVariant, TrainedModel } from './trained-model.js';
export { auc, partialAuc, recallAtFpr, rocCurve } from './evaluation/roc.js';
export { encodePng } from './chart/png-encoder.js';
export { CliUsageError, ModelRegistrationError, ModelShapeError } from './training-errors.js';
