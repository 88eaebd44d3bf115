/**
 * A model does not follow the scoring I/O contract of its kind (inputs, outputs, metadata,
 * or what it returns for the reference batch). Retrying cannot fix it: the file must change.
 */
export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}
