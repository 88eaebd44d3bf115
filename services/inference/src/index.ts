// Public door of @premonitor/inference: the service for one frame kind, its parts, and the
// reference models that honour the model I/O contract.
export { DEFAULT_BASELINE_SETTINGS, Inference, type InferenceSettings, type InferenceDependencies } from './inference.js';
export { inferenceConfigShape, type InferenceConfig } from './inference-config.js';
export { settingsFromConfig } from './settings-from-config.js';
export { FrameScoringService, type FrameScoringOptions, type FrameScoringStats } from './frame-scoring-service.js';
export { ModelWatcher, isModelFault, type ModelLoader, type ModelRef, type ModelStatus, type ModelWatcherOptions, type ProductionModelSource } from './model-watcher.js';
export { ModelSlot, type ModelLease } from './model-slot.js';
export { OnnxScoringModel, type OnnxSessionSettings } from './onnx-scoring-model.js';
export { WorkerScoringModel } from './worker-scoring-model.js';
export { OnnxWorkerPool, type SessionIo, type SessionSpec } from './onnx-worker-pool.js';
export type { ModelOutputs, ScoringModel } from './scoring-model.js';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
export { KyselyScoreStore, type ScoreStore } from './score-store.js';
export { createInferenceMetrics, rejectCategory, type InferenceMetrics } from './inference-metrics.js';
export { createScoreApi, type ScoreApiOptions, type UploadScore } from './score-api.js';
export { DEFAULT_UPLOAD_LIMITS, decodeUpload, precheckUpload, type DecodedUpload, type UploadDecoder, type UploadLimits, type UploadRefusal, type UploadTarget } from './upload-decoder.js';
export { createModelStatusApi } from './model-status-api.js';
export { FrameAdaptError, ModelContractError, ModelLoadError } from './model-errors.js';
export {
  buildAcousticReferenceModel,
  buildThermalReferenceModel,
  logistic,
  type AcousticReferenceOptions,
  type ThermalReferenceOptions,
} from './reference-models.js';
export { DeviceBaselines, type BaselineSettings, type DeviceBaselinesOptions, type ScoredFrame } from './baseline/device-baselines.js';
export { KyselyBaselineStore, bytesToFloat32, float32ToBytes, type BaselineKey, type BaselineRecord, type BaselineStore } from './baseline/baseline-store.js';
export { createBaselineApi, type BaselineView } from './baseline/baseline-api.js';
export { inferenceModule } from './module.js';
export { DEFAULT_RECENT_FRAME_SETTINGS, RecentFrames, type RecentFrameSettings, type ScoredWireFrame } from './recent-frames.js';
export { inputSummary } from './input-summary.js';
