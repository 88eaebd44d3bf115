/** A model file that does not follow the edge's I/O contract (wrong kind, inputs, metadata). */
export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

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
