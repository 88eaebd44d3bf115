// Distributed mode: one inference process per kind (INFERENCE_KIND=acoustic|thermal) against
// NATS_URL, DATABASE_URL and the model folder MODEL_STORE_DIR.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { inferenceConfigShape } from './inference-config.js';
import { Inference, settingsFromConfig } from './index.js';

async function main(): Promise<void> {
  const config = loadConfig(inferenceConfigShape, process.env);
  const service = `${config.INFERENCE_KIND}-inference`;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const registry = createRegistry(service);

  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: service, logger });
  await bus.start();
  const models = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(config.MODEL_STORE_DIR), logger });
  const inference = new Inference(settingsFromConfig(config), { db, bus, logger, registry, models });
  const http = new HttpServer({ logger, registry, readiness: inference.readiness, routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await inference.start();
  logger.info({ port, kind: config.INFERENCE_KIND, model: inference.modelVersion ?? null }, `${service} started`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await inference.stop();
    await http.stop();
    await bus.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('inference failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
