/** Why a WAV file could not be read; lets an HTTP handler map each case to a clear 400. */
export type WavErrorCode = 'not_riff' | 'truncated' | 'unsupported_format' | 'corrupt' | 'bad_channel';

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

/**
 * An input is well-formed but beyond a configured limit (sample rate, duration, channels,
 * size, frame dimensions). Says which limit, the value found and what is allowed, so an
 * HTTP handler can answer 413/422 naming both without parsing the message.
 */
export class InputLimitError extends Error {
  override readonly name = 'InputLimitError';

  constructor(
    /** Which limit: `sample_rate`, `duration`, `channels`, `bits_per_sample`, `size`, `width`, `height`, `cells`. */
    readonly limit: string,
    /** The value the input has. */
    readonly value: number,
    /** What the limit allows, in words with units (e.g. `8000–96000 Hz`). */
    readonly allowed: string,
    message: string,
  ) {
    super(message);
  }
}
