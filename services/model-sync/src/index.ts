export { ModelSync, type ModelSyncSettings, type ModelSyncDependencies } from './model-sync.js';
export { createArtifactRouter } from './artifact-router.js';
export { modelSyncConfigShape, type ModelSyncConfig } from './model-sync-config.js';
export { SigningKeyFileError, createSigningKeyFile, loadOrCreateSigningKeyFile, readSigningKeyFile } from './signing-key-file.js';
export { signingKeyFromConfig } from './signing-key-from-config.js';
export { modelSyncModule } from './module.js';
export { createModelsApi, modelsQuery } from './models-api.js';
export { createModelAdminApi } from './model-admin-api.js';
export { createModelBackupsApi } from './model-backups-api.js';
