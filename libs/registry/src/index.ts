// Public door of @premonitor/registry: the model registry and its artifact stores.
export { isSha256, sha256Hex } from './artifact-store.js';
export type { ArtifactStore, StoredArtifact } from './artifact-store.js';
export { FileArtifactStore } from './file-artifact-store.js';
export { MemoryArtifactStore } from './memory-artifact-store.js';
export { ModelRegistry } from './model-registry.js';
export type { LoadedModel, ModelRegistryOptions, PromoteOptions, RegisterModelInput, RollbackOptions } from './model-registry.js';
export { checkScoringContract } from './model-check.js';
export type { ModelCheck } from './model-check.js';
export type { ModelRecord } from './model-record.js';
export { inspectOnnxModel } from './model-inspector.js';
export type { ModelInspector } from './model-inspector.js';
export {
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  InvalidModelError,
  ModelCheckFailedError,
  ModelNotFoundError,
  ModelVersionExistsError,
  NothingToRollBackError,
  ProductionModelError,
  RegistryError,
} from './registry-errors.js';
export { SHIPPED_MODEL_KINDS, seedShippedModels } from './seed-models.js';
export { sharedModelRegistry, sharedRegistryBackups, type RegistryHost } from './shared-model-registry.js';
export { REGISTRY_SCHEMA } from './registry-schema.js';
export { BackupCorruptError } from './backup-file.js';
export type { BackupModel, RegistryBackupContent } from './backup-file.js';
export { BackupNotFoundError, RegistryBackups } from './registry-backups.js';
export type { BackupRecord, CreateBackupInput, RegistryBackupsOptions, RestoreOutcome } from './registry-backups.js';
