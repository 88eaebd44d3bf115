import { resolve } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { coreClientId } from '@premonitor/contracts';
import { FileArtifactStore, SHIPPED_MODEL_KINDS, seedShippedModels, sharedModelRegistry, REGISTRY_SCHEMA } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { modelSyncConfigShape, type ModelSyncConfig } from './model-sync-config.js';
import { ModelSync } from './model-sync.js';
import { createModelsApi, modelsQuery } from './models-api.js';
import { createModelAdminApi } from './model-admin-api.js';
import { signingKeyFromConfig } from './signing-key-from-config.js';

/** Model sync: announces production models to edge agents (signed) and serves their artifacts. */
export const modelSyncModule: ServiceModule<ModelSyncConfig> = {
  name: 'model-sync',
  config: (env) => loadConfig(modelSyncConfigShape, env),
  // The registry's `models` it announces; ingest's `devices` it announces them to (docs/ARCHITECTURE.md, cross-module reads).
  schema: [CORE_SCHEMA, REGISTRY_SCHEMA, INGEST_SCHEMA],
  // Public: devices log in to the broker, not to HTTP (see PUBLIC in @premonitor/auth).
  routes: [
    { method: 'GET', path: '/api/v1/models/:kind/artifact/:sha256', permission: 'read:public', docs: { summary: 'A registered model’s ONNX bytes (what devices download)' } },
    { method: 'GET', path: '/api/v1/models', permission: 'read:models', site: 'fleet', docs: { summary: 'Registered models of every kind: version, stage, metrics, check', query: modelsQuery } },
    { method: 'POST', path: '/api/v1/models/:kind/:version/promote', permission: 'admin:models', site: 'fleet' },
    { method: 'POST', path: '/api/v1/models/:kind/rollback', permission: 'admin:models', site: 'fleet' },
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
    return { readiness: sync.readiness, routers: [{ path: '/api/v1', router: sync.router }, { path: '/api/v1', router: createModelsApi(models) }, { path: '/api/v1', router: createModelAdminApi(models, logger.child({ component: 'models-api' })) }], start: () => sync.start(), stop: () => sync.stop(config.DRAIN_TIMEOUT_MS) };
  },
};
