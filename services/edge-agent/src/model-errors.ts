// One contract error and one frame-adaptation error for core and edge: both live in `@premonitor/ml/scoring`.
export { FrameAdaptError, ModelContractError } from '@premonitor/ml/scoring';

/** A model download that was refused: size, checksum, transport or contract. The running model stays. */
export class ModelRefusedError extends Error {
  override readonly name = 'ModelRefusedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
