// Public door of @premonitor/retraining.
export { retrainingModule, sampleLimitsFrom } from './module.js';
export { retrainingConfigShape, type RetrainingConfig } from './retraining-config.js';
export { DEFAULT_SAMPLE_LIMITS, decodeSample, type AcceptedSample, type RefusedSample, type SampleLimits } from './samples/sample-decoder.js';
export { SampleIntake, sampleFieldsSchema, type SampleFields, type SampleOutcome } from './samples/sample-intake.js';
export { createSampleRouter } from './samples/sample-api.js';
export { FeedbackSamples, consumeFeedback, frameFile, type FeedbackOutcome } from './samples/feedback-samples.js';
export { readMultipart, type MultipartLimits, type UploadedFile } from './samples/multipart-upload.js';
export { sampleRepository, type SampleRecord, type SampleFilter } from './samples/sample-repository.js';
export { SAMPLE_KINDS, SAMPLE_LABELS, type SampleKind, type SampleLabel } from './samples/sample-kinds.js';
export { RETRAINING_SCHEMA } from './schema.js';
export { RetrainingRunner, TRAINABLE_KINDS, type RetrainingRunnerOptions, type RunRequest, type RunEvent, type TrainableKind } from './runs/retraining-runner.js';
export { runRepository, type RunRecord } from './runs/run-repository.js';
export { createRunRouter } from './runs/run-api.js';
export { DEFAULT_GATE_POLICY, judgeCandidate, type GateDecision, type GatePolicy } from './runs/promotion-gate.js';
export { splitByDevice, sampleClass, type RunSample } from './runs/thermal-samples.js';
export { RetrainingTriggers, type TriggerPorts, type TriggerSettings } from './runs/retraining-triggers.js';
