// Distributed mode: forecasting as its own process against NATS_URL and DATABASE_URL.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { openDatabase, migrate } from '@premonitor/db';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { HttpServer, createRegistry } from '@premonitor/http';
import { forecastingConfigShape, settingsFromConfig } from './forecasting-config.js';
import { Forecasting } from './forecasting.js';

async function main(): Promise<void> {
  const config = loadConfig(forecastingConfigShape, process.env);
  const logger = createLogger({ service: 'forecasting', level: config.LOG_LEVEL });
  const registry = createRegistry('forecasting');

  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  await migrate(db, { logger });
  const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name: 'forecasting', logger });
  await bus.start();
  const forecasting = new Forecasting(settingsFromConfig(config), { db, bus, logger, registry });
  await forecasting.start();
  const http = new HttpServer({ logger, registry, readiness: forecasting.readiness, routers: [{ path: '/api/v1/lstm', router: forecasting.router }], portSetting: 'HTTP_PORT' });
  const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port }, 'forecasting ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await http.stop();
    await forecasting.stop();
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
  else console.error('forecasting failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
