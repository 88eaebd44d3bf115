// Public door of @premonitor/ml/scoring: the scoring model I/O contract (one per frame kind),
// the reference batch every model must score sensibly, the model input contract (frame → rows:
// resample, window, pad/crop, resize; rows → packed tensor; outputs → per-frame scores) and the
// onnxruntime run both the core and the edge use. Loads onnxruntime-node, so it is a subpath of its own.
export { SCORING_KINDS, checkScoringIo, contractTensors, isScoringKind, readScoringMetadata, scoringInputName } from './model-contract.js';
export type { ContractDim, ContractTensor, IoDescription, ScoringKind, ScoringMetadata } from './model-contract.js';
export { FrameAdaptError, ModelContractError } from './scoring-errors.js';
export { audioRows, audioWindows, frameRows, int16ToFloat, refuseCelsiusForLevels, thermalImageRows, thermalRows } from './frame-input.js';
export type { FrameRows, ModelInputSpec, SensorFrame } from './frame-input.js';
export { resizeBilinear } from './resize-bilinear.js';
export { packRows, rowLength, scoreFrames } from './score-frames.js';
export type { FrameScore, FrameScorer, ScoreReference } from './score-frames.js';
export { runScoringSession, scoringSessionOptions } from './scoring-session.js';
export type { ScoringOutputs, ScoringRunner, ScoringSessionSettings, SessionContract } from './scoring-session.js';
export { checkReferenceBatch, referenceFrames } from './reference-batch.js';
export { checkScoringModel, verifyScoringModel } from './check-scoring-model.js';
export type { ModelCheckOutcome } from './check-scoring-model.js';
export { VIBRATION_SCORE_THRESHOLD, VibrationScorer } from './vibration-scorer.js';
export type { VibrationModelShape, VibrationScorerOptions, VibrationVerdict } from './vibration-scorer.js';
export { TelemetryModelScorer } from './telemetry-model-scorer.js';
export type { TelemetryWindowContract } from './telemetry-model-scorer.js';
export { BAND_EDGES_HZ, bandEnergyShares, meanBandShares } from './band-energies.js';
