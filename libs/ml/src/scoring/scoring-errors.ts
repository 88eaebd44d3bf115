/**
 * A model does not follow the scoring I/O contract of its kind (inputs, outputs, metadata,
 * or what it returns for the reference batch). Retrying cannot fix it: the file must change.
 */
export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

/**
 * A frame (or upload) that cannot become this model's input: another kind, no samples, values
 * that disagree with the declared size, an image without the temperature scale a °C model needs.
 * The frame is at fault, not the model: it is refused (dead-lettered, answered 400), never retried.
 */
export class FrameAdaptError extends Error {
  override readonly name = 'FrameAdaptError';
}
