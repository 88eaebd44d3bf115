// Distributed mode: the notifier as its own process against NATS_URL and DATABASE_URL.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { NotifierConfigError } from './errors.js';
import { notifierConfigShape } from './notifier-config.js';
import { loadRoutingSettings } from './notifier-settings.js';
import { Notifier } from './notifier.js';

async function main(): Promise<void> {
  const config = loadConfig(notifierConfigShape, process.env);
  const logger = createLogger({ service: 'notifier', level: config.LOG_LEVEL });
  const registry = createRegistry('notifier');
  const routing = await loadRoutingSettings(config.NOTIFIER_CONFIG_FILE);

  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: 'notifier', logger });
  await bus.start();
  const notifier = new Notifier({ routing, durable: config.NOTIFIER_DURABLE }, { db, bus, logger, registry });
  const http = new HttpServer({ logger, registry, readiness: notifier.readiness, routers: [{ path: '/api/v1', router: notifier.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await notifier.start();
  logger.info({ port, channels: routing.channels.map((c) => c.name) }, 'notifier ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await notifier.stop(config.DRAIN_TIMEOUT_MS);
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
  if (err instanceof ConfigError || err instanceof NotifierConfigError) console.error(err.message);
  else console.error('notifier failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
