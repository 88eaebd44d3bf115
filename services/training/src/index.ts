// Public door of @premonitor/training: the training pipelines the CLI wires, for a future
// retraining trigger to call in-process.
export { trainAcoustic } from './acoustic/train-acoustic.js';
export type { TrainAcousticOptions } from './acoustic/train-acoustic.js';
export { trainThermal } from './thermal/train-thermal.js';
export type { TrainThermalOptions } from './thermal/train-thermal.js';
export { trainThermalIr } from './thermal-ir/train-thermal-ir.js';
export type { ExportParity, TrainThermalIrOptions, TrainedThermalIrModel } from './thermal-ir/train-thermal-ir.js';
export { thermalIrPlan } from './thermal-ir/thermal-ir-plan.js';
export type { ThermalIrPlan } from './thermal-ir/thermal-ir-plan.js';
export { HOT_SPOT_CLASSES, THERMAL_IR_CLASSES } from './thermal-ir/thermal-ir-sample.js';
export type { ThermalIrSample } from './thermal-ir/thermal-ir-sample.js';
export { splitByImageId } from './thermal-ir/thermal-ir-split.js';
export type { SampleSplit, SplitFractions } from './thermal-ir/thermal-ir-split.js';
export { loadThermalIrDataset } from './real-data/thermal-ir-dataset.js';
export type { LoadThermalIrOptions } from './real-data/thermal-ir-dataset.js';
export { evaluateThermalIr, spreadOf, spreadOverSeeds } from './real-data/thermal-ir-evaluation.js';
export type { DetectionMetrics, EvaluatedImage, EvaluationClasses, SeedRun, Spread, ThermalIrEvaluation } from './real-data/thermal-ir-evaluation.js';
export { writeArtifacts } from './artifact-writer.js';
export type { WrittenArtifacts } from './artifact-writer.js';
export { registerTrainedModel } from './model-registration.js';
export type { RegistrationResult, RegistrationTarget } from './model-registration.js';
export type { ModelVariant, TrainedModel } from './trained-model.js';
export { auc, partialAuc, recallAtFpr, rocCurve } from './evaluation/roc.js';
export { encodePng } from './chart/png-encoder.js';
export { CliUsageError, DataSetError, ModelRegistrationError, ModelShapeError } from './training-errors.js';
