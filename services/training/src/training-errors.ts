/** A trained network does not have the layer pattern an exporter in this package expects. */
export class ModelShapeError extends Error {
  override readonly name = 'ModelShapeError';
}

/** The command line could not be understood; the message says what to type instead. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Registering a trained model failed; `cause` holds the registry's error. */
export class ModelRegistrationError extends Error {
  override readonly name = 'ModelRegistrationError';
}

/** A data set on disk is missing, incomplete or not in the expected layout. */
export class DataSetError extends Error {
  override readonly name = 'DataSetError';
}
