import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { HttpServer, createRegistry, type ReadinessCheck } from '@premonitor/http';
import { createLogger, type Logger } from '@premonitor/log';

/** The settings every core service reads, by environment variable name. */
export interface CoreServiceConfig {
  readonly NATS_URL: string;
  readonly DATABASE_URL: string;
  readonly DATABASE_POOL_SIZE?: number;
  readonly HTTP_HOST: string;
  readonly HTTP_PORT: number;
  readonly LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** What a core service hands the runner: its lifecycle, its routes and its readiness checks. */
export interface ServiceComponent {
  readonly readiness: readonly ReadinessCheck[];
  readonly routers: readonly { readonly path: string; readonly router: Router }[];
  start(): Promise<void>;
  /** Drains: finishes in-flight work, then releases what the component opened itself. */
  stop(): Promise<void>;
}

/** The shared infrastructure the runner opens for a service. */
export interface CoreContext {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface RunCoreServiceOptions<C extends CoreServiceConfig> {
  /** Service name for logs, metrics and the NATS connection; may depend on the config. */
  readonly name: string | ((config: C) => string);
  /** Parses the configuration (throws `ConfigError` naming the variable). */
  readonly config: () => C;
  /** Builds the component once the database is migrated and the bus connected. */
  readonly create: (config: C, context: CoreContext) => ServiceComponent | Promise<ServiceComponent>;
}

/**
 * The `main` of a distributed-mode service: parse config, open and migrate PostgreSQL,
 * connect JetStream, build the component, serve `/healthz`, `/readyz`, `/metrics` and its
 * routes, start it; on SIGINT/SIGTERM drain in reverse order and exit 0 (a second signal
 * exits at once). A failed start prints one line naming the cause and exits 1.
 */
export function runCoreService<C extends CoreServiceConfig>(options: RunCoreServiceOptions<C>): void {
  const opened: Array<() => Promise<void>> = [];
  let label = typeof options.name === 'string' ? options.name : 'service';
  let stopping = false;

  const closeAll = async (logger?: Logger): Promise<void> => {
    for (const close of opened.splice(0).reverse()) {
      await close().catch((err: unknown) => logger?.error({ err }, 'error while stopping'));
    }
  };

  const start = async (): Promise<void> => {
    const config = options.config();
    const name = typeof options.name === 'string' ? options.name : options.name(config);
    label = name;
    const logger = createLogger({ service: name, level: config.LOG_LEVEL });
    const registry = createRegistry(name);
    const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
    opened.push(() => db.close());
    await migrate(db, { logger });
    const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name, logger });
    await bus.start();
    opened.push(() => bus.stop());
    const component = await options.create(config, { db, bus, logger, registry });
    const http = new HttpServer({ logger, registry, readiness: component.readiness, routers: component.routers, portSetting: 'HTTP_PORT' });
    const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
    opened.push(() => http.stop());
    await component.start();
    opened.push(() => component.stop());
    logger.info({ port }, `${name} ready`);

    const shutdown = async (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without draining');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'draining');
      await closeAll(logger);
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  };

  start().catch(async (err: unknown) => {
    await closeAll();
    console.error(`${label} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
