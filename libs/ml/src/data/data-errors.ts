/** Why a WAV file could not be read; lets an HTTP handler map each case to a clear 400. */
export type WavErrorCode = 'not_riff' | 'truncated' | 'unsupported_format' | 'too_large' | 'corrupt';

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

/** Why an image could not be read; lets an HTTP handler map each case to a clear 400 or 413. */
export type ThermalImageErrorCode = 'unsupported_format' | 'truncated' | 'too_large' | 'corrupt' | 'colour';

/** Bytes given to `decodeThermalImage` are not a greyscale PNG or JPEG within the limits. */
export class ThermalImageError extends Error {
  override readonly name = 'ThermalImageError';
  /** Machine-readable reason. */
  readonly code: ThermalImageErrorCode;

  constructor(code: ThermalImageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A temperature scale is not usable (not finite, empty or inverted range, implausible °C). */
export class TemperatureScaleError extends Error {
  override readonly name = 'TemperatureScaleError';
}

/** Options given to a generator or the resampler are out of their valid range. */
export class DataOptionsError extends Error {
  override readonly name = 'DataOptionsError';
}
