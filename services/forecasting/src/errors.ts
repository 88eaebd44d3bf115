/** Too little usable history to train or predict; the message says how much is needed. */
export class InsufficientHistoryError extends Error {
  override readonly name = 'InsufficientHistoryError';
  constructor(
    message: string,
    readonly have: number,
    readonly need: number,
  ) {
    super(message);
  }
}

/** No readings of that device, or of that sensor on the device. */
export class UnknownSeriesError extends Error {
  override readonly name = 'UnknownSeriesError';
  constructor(
    message: string,
    readonly field: 'device_id' | 'sensor_key',
  ) {
    super(message);
  }
}

/** A training run for the same (device, sensor) is already in progress. */
export class TrainingInProgressError extends Error {
  override readonly name = 'TrainingInProgressError';
}

/** No trained model for the pair. */
export class ModelNotFoundError extends Error {
  override readonly name = 'ModelNotFoundError';
}

/** A stored model's metadata does not describe a forecaster this version understands. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}
