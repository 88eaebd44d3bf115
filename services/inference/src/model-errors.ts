// The contract error is the one `@premonitor/ml/scoring` throws, so a check anywhere is recognised here.
export { ModelContractError } from '@premonitor/ml/scoring';

/** A frame could not be brought to the shape the model expects. */
export class FrameAdaptError extends Error {
  override readonly name = 'FrameAdaptError';
}

/** onnxruntime could not create a session for a model's bytes (corrupt or unsupported graph). */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}
