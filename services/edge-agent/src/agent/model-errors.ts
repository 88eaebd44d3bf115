// One contract error for core and edge: the check lives in `@premonitor/ml/scoring`.
export { ModelContractError } from '@premonitor/ml/scoring';

/** A model download that was refused: size, checksum, transport or contract. The running model stays. */
export class ModelRefusedError extends Error {
  override readonly name = 'ModelRefusedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A frame whose shape the model cannot take (a source configured for another sensor). */
export class FrameShapeError extends Error {
  override readonly name = 'FrameShapeError';
  constructor(message: string) {
    super(message);
  }
}
