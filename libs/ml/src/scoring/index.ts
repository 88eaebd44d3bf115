// Public door of @premonitor/ml/scoring: the scoring model I/O contract (one per frame kind),
// the reference batch every model must score sensibly, and the onnxruntime run both the core
// and the edge use. Loads onnxruntime-node, so it is a subpath of its own.
export { SCORING_KINDS, checkScoringIo, contractTensors, isScoringKind, readScoringMetadata, scoringInputName } from './model-contract.js';
export type { ContractDim, ContractTensor, IoDescription, ScoringKind, ScoringMetadata } from './model-contract.js';
export { ModelContractError } from './scoring-errors.js';
export { runScoringSession, scoringSessionOptions } from './scoring-session.js';
export type { ScoringOutputs, ScoringRunner, ScoringSessionSettings, SessionContract } from './scoring-session.js';
export { checkReferenceBatch, referenceFrames } from './reference-batch.js';
export { checkScoringModel, verifyScoringModel } from './check-scoring-model.js';
export type { ModelCheckOutcome } from './check-scoring-model.js';
