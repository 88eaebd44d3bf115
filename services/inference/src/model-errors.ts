/** A model file does not follow the inference I/O contract (inputs, outputs, metadata). */
export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

/** A frame could not be brought to the shape the model expects. */
export class FrameAdaptError extends Error {
  override readonly name = 'FrameAdaptError';
}

