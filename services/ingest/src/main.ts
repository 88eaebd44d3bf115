// Distributed mode: ingest as its own process against MQTT_URL, NATS_URL and DATABASE_URL.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { ingestConfigShape } from './ingest-config.js';
import { Ingest, settingsFromConfig } from './index.js';

async function main(): Promise<void> {
  const config = loadConfig(ingestConfigShape, process.env);
  const logger = createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const registry = createRegistry('ingest');

  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: 'ingest', logger });
  await bus.start();
  const ingest = new Ingest(settingsFromConfig(config), { db, bus, logger, registry });
  const http = new HttpServer({ logger, registry, readiness: ingest.readiness, routers: [{ path: '/api/v1', router: ingest.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await ingest.start();
  logger.info({ port }, 'ingest ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await ingest.stop();
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
  else console.error('ingest failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
