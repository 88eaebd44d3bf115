// Distributed mode: fusion as its own process against NATS_URL and DATABASE_URL.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { fusionConfigShape } from './fusion-config.js';
import { Fusion, RuleConfigError, settingsFromConfig } from './index.js';

async function main(): Promise<void> {
  const config = loadConfig(fusionConfigShape, process.env);
  const logger = createLogger({ service: 'fusion', level: config.LOG_LEVEL });
  const registry = createRegistry('fusion');

  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: 'fusion', logger });
  await bus.start();
  const fusion = new Fusion(settingsFromConfig(config), { db, bus, logger, registry });
  const http = new HttpServer({ logger, registry, readiness: fusion.readiness, routers: [{ path: '/api/v1', router: fusion.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await fusion.start();
  logger.info({ port }, 'fusion ready');

  process.on('SIGHUP', () => void fusion.reloadRules());
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await fusion.stop();
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
  if (err instanceof ConfigError || err instanceof RuleConfigError) console.error(err.message);
  else console.error('fusion failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
