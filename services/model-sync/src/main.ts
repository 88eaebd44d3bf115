#!/usr/bin/env node
// Distributed mode: model-sync as its own process against MQTT_URL, NATS_URL, DATABASE_URL and the artifact folder.
import { resolve } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { coreClientId } from '@premonitor/contracts';
import { FileArtifactStore, ModelRegistry, seedShippedModels } from '@premonitor/registry';
import { runCoreService } from '@premonitor/runtime';
import { modelSyncConfigShape } from './model-sync-config.js';
import { ModelSync } from './model-sync.js';
import { signingKeyFromConfig } from './signing-key-from-config.js';

runCoreService({
  name: 'model-sync',
  config: () => loadConfig(modelSyncConfigShape, process.env),
  create: async (config, { db, bus, logger }) => {
    const signingKey = await signingKeyFromConfig(config, logger);
    const store = new FileArtifactStore(config.MODEL_STORE_DIR);
    const models = new ModelRegistry({ db: db.db, bus, store, logger });
    // Before announcing: the first model of a kind becomes production and its promotion is published.
    if (config.SEED_MODELS_DIR) await seedShippedModels(models, resolve(config.SEED_MODELS_DIR), logger);
    const sync = new ModelSync(
      {
        mqtt: { url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD, clientId: coreClientId(config.MQTT_USERNAME ?? 'model-sync') },
        publicBaseUrl: config.PUBLIC_BASE_URL,
        kinds: ['acoustic', 'thermal'],
        refreshMs: config.MODEL_SYNC_REFRESH_MS,
        heartbeatMs: config.HEARTBEAT_MS,
        signingKey,
      },
      { db: db.db, bus, registry: models, store, logger },
    );
    return { readiness: sync.readiness, routers: [{ path: '/api/v1', router: sync.router }], start: () => sync.start(), stop: () => sync.stop(config.DRAIN_TIMEOUT_MS) };
  },
});
