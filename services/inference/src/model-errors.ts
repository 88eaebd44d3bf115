// The contract errors are the ones `@premonitor/ml/scoring` throws (the model contract and the
// frame → input adaptation), so a check anywhere is recognised here.
export { FrameAdaptError, ModelContractError } from '@premonitor/ml/scoring';

/** onnxruntime could not create a session for a model's bytes (corrupt or unsupported graph). */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}
