#!/usr/bin/env node
// Distributed mode: model-sync as its own process against MQTT_URL, NATS_URL, DATABASE_URL and the artifact folder.
import { resolve } from 'node:path';
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry, seedShippedModels } from '@premonitor/registry';
import { modelSyncConfigShape } from './model-sync-config.js';
import { ModelSync } from './model-sync.js';

async function main(): Promise<void> {
  const config = loadConfig(modelSyncConfigShape, process.env);
  const logger = createLogger({ service: 'model-sync', level: config.LOG_LEVEL });
  const registry = createRegistry('model-sync');
  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: 'model-sync', logger });
  await bus.start();
  const store = new FileArtifactStore(config.MODEL_STORE_DIR);
  const models = new ModelRegistry({ db: db.db, bus, store, logger });
  // Before announcing: the first model of a kind becomes production and its promotion is published.
  if (config.SEED_MODELS_DIR) await seedShippedModels(models, resolve(config.SEED_MODELS_DIR), logger);
  const sync = new ModelSync(
    {
      mqtt: { url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD, clientId: 'premonitor-model-sync' },
      publicBaseUrl: config.PUBLIC_BASE_URL,
      kinds: ['acoustic', 'thermal'],
      refreshMs: config.MODEL_SYNC_REFRESH_MS,
      heartbeatMs: config.HEARTBEAT_MS,
    },
    { db: db.db, bus, registry: models, store, logger },
  );
  const http = new HttpServer({ logger, registry, readiness: sync.readiness, routers: [{ path: '/api/v1', router: sync.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await sync.start();
  logger.info({ port }, 'model-sync ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await sync.stop();
    await http.stop();
    await bus.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('model-sync failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
