/** Why a WAV file could not be read; lets an HTTP handler map each case to a clear 400. */
export type WavErrorCode = 'not_riff' | 'truncated' | 'unsupported_format' | 'too_large' | 'corrupt' | 'bad_channel';

/** Bytes given to `readWav` are not a WAV file this reader supports. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  /** Machine-readable reason. */
  readonly code: WavErrorCode;

  constructor(code: WavErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A thermal matrix (CSV or JSON) is malformed; `row`/`column` are 1-based when known. */
export class ThermalMatrixError extends Error {
  override readonly name = 'ThermalMatrixError';
  /** 1-based row (CSV: line number) where the problem was found, if any. */
  readonly row: number | undefined;
  /** 1-based column where the problem was found, if any. */
  readonly column: number | undefined;

  constructor(message: string, position: { row?: number; column?: number } = {}, options?: ErrorOptions) {
    super(message, options);
    this.row = position.row;
    this.column = position.column;
  }
}

/** Options given to a generator or the resampler are out of their valid range. */
export class DataOptionsError extends Error {
  override readonly name = 'DataOptionsError';
}
