/** Base class of every error the model registry throws on purpose. */
export class RegistryError extends Error {
  override readonly name: string = 'RegistryError';
}

/** Stored bytes no longer hash to their address: the artifact store is corrupt. */
export class ArtifactIntegrityError extends RegistryError {
  override readonly name = 'ArtifactIntegrityError';
  constructor(
    readonly sha256: string,
    readonly actual: string,
  ) {
    super(`artifact ${sha256} is corrupt: its bytes hash to ${actual}; re-register the model or restore the store from a backup`);
  }
}

/** No artifact is stored under this hash. */
export class ArtifactNotFoundError extends RegistryError {
  override readonly name = 'ArtifactNotFoundError';
  constructor(readonly sha256: string) {
    super(`no artifact ${sha256} in the store; was MODEL_STORE_DIR changed, or the file deleted?`);
  }
}

/** Bytes offered to `register` are not a usable ONNX model of the declared kind. */
export class InvalidModelError extends RegistryError {
  override readonly name = 'InvalidModelError';
}

/** A model with this (kind, version) is already registered; versions are never reused. */
export class ModelVersionExistsError extends RegistryError {
  override readonly name = 'ModelVersionExistsError';
  constructor(
    readonly kind: string,
    readonly version: string,
  ) {
    super(`a ${kind} model with version '${version}' is already registered; pick a new version`);
  }
}

/** The model named in a promotion or rollback does not exist. */
export class ModelNotFoundError extends RegistryError {
  override readonly name = 'ModelNotFoundError';
}

/** Rollback asked for, but no earlier production model exists to return to. */
export class NothingToRollBackError extends RegistryError {
  override readonly name = 'NothingToRollBackError';
}

/** The model check refused a model for production; it stays registered (a candidate) with the reason. */
export class ModelCheckFailedError extends RegistryError {
  override readonly name = 'ModelCheckFailedError';
  constructor(
    readonly kind: string,
    readonly version: string,
    readonly reason: string,
  ) {
    super(`${kind} model '${version}' cannot become production: ${reason}`);
  }
}

/** The action needs a model that is not production (archive). */
export class ProductionModelError extends RegistryError {
  override readonly name = 'ProductionModelError';
}
