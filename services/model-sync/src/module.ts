import { resolve } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { TELEMETRY_SCORING_SCHEMA } from '@premonitor/telemetry-scoring/schema';
import { coreClientId } from '@premonitor/contracts';
import { FileArtifactStore, SHIPPED_MODEL_KINDS, seedShippedModels, sharedModelRegistry, sharedRegistryBackups, REGISTRY_SCHEMA } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { modelSyncConfigShape, type ModelSyncConfig } from './model-sync-config.js';
import { ModelSync } from './model-sync.js';
import { createModelsApi, modelsQuery } from './models-api.js';
import { createModelAdminApi, historyQuery, promoteBody, reasonBody } from './model-admin-api.js';
import { backupListQuery, createBackupBody, createModelBackupsApi, restoreBody } from './model-backups-api.js';
import { signingKeyFromConfig } from './signing-key-from-config.js';

/** Model sync: announces production models to edge agents (signed) and serves their artifacts. */
export const modelSyncModule: ServiceModule<ModelSyncConfig> = {
  name: 'model-sync',
  config: (env) => loadConfig(modelSyncConfigShape, env),
  // The registry's `models` it announces; ingest's `devices` it announces them to; telemetry-scoring's
  // `telemetry_models`, each device's own model it announces to that device (docs/ARCHITECTURE.md, cross-module reads).
  schema: [CORE_SCHEMA, REGISTRY_SCHEMA, INGEST_SCHEMA, TELEMETRY_SCORING_SCHEMA],
  // Public: devices log in to the broker, not to HTTP (see PUBLIC in @premonitor/auth).
  routes: [
    { method: 'GET', path: '/api/v1/models/:kind/artifact/:sha256', permission: 'read:public', docs: { summary: 'A registered model’s ONNX bytes (what devices download)' } },
    { method: 'GET', path: '/api/v1/models/telemetry/devices/:site/:device/artifact/:sha256', permission: 'read:public', docs: { summary: 'A device’s own telemetry model’s ONNX bytes, while it is the current one (what that device downloads)' } },
    { method: 'GET', path: '/api/v1/models', permission: 'read:models', site: 'fleet', docs: { summary: 'Registered models of every kind: version, stage, metrics, check', query: modelsQuery } },
    { method: 'POST', path: '/api/v1/models/:kind/:version/promote', permission: 'admin:models', site: 'fleet', docs: { summary: 'Make a version production (force: past a failed model check); recorded in the history', body: promoteBody, example: { reason: 'better on the new pump line', force: false } } },
    { method: 'POST', path: '/api/v1/models/:kind/rollback', permission: 'admin:models', site: 'fleet', docs: { summary: 'Return a kind to its previous production model; recorded in the history', body: reasonBody, example: { reason: 'alert rate doubled' } } },
    { method: 'POST', path: '/api/v1/models/:kind/:version/archive', permission: 'admin:models', site: 'fleet', docs: { summary: 'Retire a version that is not production: no longer a fallback or rollback target', body: reasonBody, example: { reason: 'trained on mislabelled clips' } } },
    { method: 'GET', path: '/api/v1/models/history', permission: 'read:models', site: 'fleet', docs: { summary: 'Production changes, newest first: promote, rollback, archive, restore', query: historyQuery } },
    { method: 'GET', path: '/api/v1/models/backups', permission: 'read:models', site: 'fleet', docs: { summary: 'Registry backups (one file each in the artifact store), newest first', query: backupListQuery } },
    { method: 'POST', path: '/api/v1/models/backups', permission: 'admin:models', site: 'fleet', docs: { summary: 'Back up the registry (models, reports, lineage) as one file', body: createBackupBody, example: { reason: 'before the plant upgrade' } } },
    { method: 'POST', path: '/api/v1/models/backups/:name/restore', permission: 'admin:models', site: 'fleet', docs: { summary: 'Restore the backup’s kinds as they were, in one transaction (422 for a damaged file, nothing changed); a recorded promotion', body: restoreBody, example: { reason: 'candidate promoted by mistake' } } },
  ],
  create: async (config, context) => {
    const { db, bus, logger } = context;
    const signingKey = await signingKeyFromConfig(config, logger);
    const models = sharedModelRegistry(context, config.MODEL_STORE_DIR);
    // Before announcing: the first model of a kind becomes production and its promotion is published.
    if (config.SEED_MODELS_DIR) await seedShippedModels(models, resolve(config.SEED_MODELS_DIR), logger);
    const sync = new ModelSync(
      {
        mqtt: { url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD, clientId: coreClientId(config.MQTT_USERNAME ?? 'model-sync') },
        publicBaseUrl: config.PUBLIC_BASE_URL,
        kinds: [...SHIPPED_MODEL_KINDS],
        refreshMs: config.MODEL_SYNC_REFRESH_MS,
        heartbeatMs: config.HEARTBEAT_MS,
        signingKey,
      },
      { db: db.db, bus, registry: models, store: new FileArtifactStore(resolve(config.MODEL_STORE_DIR)), logger },
    );
    return { readiness: sync.readiness, routers: [{ path: '/api/v1', router: sync.router }, { path: '/api/v1', router: createModelsApi(models) }, { path: '/api/v1', router: createModelBackupsApi(sharedRegistryBackups(context, config.MODEL_STORE_DIR), logger.child({ component: 'model-backups-api' })) }, { path: '/api/v1', router: createModelAdminApi(models, logger.child({ component: 'models-api' })) }], start: () => sync.start(), stop: () => sync.stop(config.DRAIN_TIMEOUT_MS) };
  },
};
