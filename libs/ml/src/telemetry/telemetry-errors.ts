/** A telemetry or vibration window the models cannot score: wrong shape, NaN, missing sensor. */
export class WindowInputError extends Error {
  override readonly name = 'WindowInputError';
}

/** Training data that cannot fit a model (too few rows, a constant sensor, NaN). */
export class WindowFitError extends Error {
  override readonly name = 'WindowFitError';
}
