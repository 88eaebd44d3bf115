import { AUTH_SCHEMA, hostAccess } from '@premonitor/auth';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { authConfigShape, loadConfig } from '@premonitor/config';
import { assertMigrated, migrate, openDatabase } from '@premonitor/db';
import { API_DOCS_ROUTES, HttpServer, apiDocsRouter, createRegistry } from '@premonitor/http';
import { createLogger, maskUrlsInText, type Logger } from '@premonitor/log';
import { assertRoutesDeclared } from './declared-routes.js';
import { exitOnSignals } from './exit-on-signals.js';
import { registerHostMetrics } from './host-metrics.js';
import { moduleName, sharedInstances, type CoreServiceConfig, type ModuleEnv, type ServiceModule } from './service-module.js';
import { ShutdownError, stopInOrder, type StopStep } from './stop-in-order.js';

/** Used when a service's config shape has no SHUTDOWN_TIMEOUT_MS. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * The `main` of a distributed-mode service: parse config, open and migrate PostgreSQL,
 * connect JetStream, build the component, serve `/healthz`, `/readyz`, `/metrics` and its
 * routes, start it. On SIGINT/SIGTERM it drains in reverse order within SHUTDOWN_TIMEOUT_MS
 * and exits 0 only when everything stopped cleanly; a stop() that throws or hangs makes it
 * exit 1 naming the component (a second signal exits at once). A failed start prints one line
 * naming the cause and exits 1.
 */
export function runModule<C extends CoreServiceConfig>(module: ServiceModule<C>, env: ModuleEnv = process.env): void {
  const opened: StopStep[] = [];
  let label = typeof module.name === 'string' ? module.name : 'service';
  let stopping: string | undefined;
  let timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS;

  let log: Logger | undefined;

  const closeAll = async (budgetMs: number): Promise<void> => {
    try {
      await stopInOrder(opened.splice(0).reverse(), { timeoutMs: budgetMs, onStep: (name) => (stopping = name) });
    } catch (err) {
      // Each failure with its stack, for whoever reads the log after the one-line summary.
      for (const f of err instanceof ShutdownError ? err.failures : []) log?.error({ err: f.error, component: f.component, outcome: f.outcome }, 'component did not stop cleanly');
      throw err;
    }
  };

  const start = async (): Promise<void> => {
    const config = module.config(env);
    const auth = loadConfig(authConfigShape, env);
    const name = moduleName(module, config);
    label = name;
    timeoutMs = config.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const logger = (log = createLogger({ service: name, level: config.LOG_LEVEL }));
    const registry = createRegistry(name);
    const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
    opened.push({ name: 'database', stop: () => db.close() });
    // Every service checks credentials against the same users and tokens.
    if (config.DATABASE_MIGRATE === 'off') await assertMigrated(db, [...module.schema, AUTH_SCHEMA]);
    else await migrate(db, { logger, schema: [...module.schema, AUTH_SCHEMA] });
    const access = await hostAccess({ db, logger, settings: auth, defaultAllowedHosts: 'any', createFirstAdmin: false });
    const bus = new NatsJetStreamBus({ servers: config.NATS_URL, name, logger, streamReplicas: config.NATS_STREAM_REPLICAS });
    await bus.start();
    opened.push({ name: 'bus', stop: () => bus.stop() });
    registerHostMetrics(registry, { bus, db, logger });
    const component = await module.create(config, {
      db,
      bus,
      logger,
      registry,
      mode: 'distributed',
      shared: sharedInstances(),
      onReload: (reload) => void process.on('SIGHUP', reload),
    });
    // A route served without a declared permission would escape access control: refuse to start.
    assertRoutesDeclared(name, module.routes, component.routers);
    access.access.declare([...module.routes, ...API_DOCS_ROUTES]);
    const http = new HttpServer({
      logger,
      registry,
      readiness: component.readiness,
      routers: [{ path: '/', router: access.router }, { path: '/', router: apiDocsRouter(() => access.access.routes, { title: name, version: '1' }) }, ...component.routers],
      portSetting: 'HTTP_PORT',
      access: { front: access.access.front(), guard: access.access.guard() },
    });
    const port = await http.start(config.HTTP_PORT, config.HTTP_HOST);
    opened.push({ name: 'http', stop: () => http.stop() });
    await component.start();
    opened.push({ name, stop: () => component.stop() });
    // Handlers before the ready line: whoever reads "ready" may signal at once (an orchestrator, a
    // test), and a SIGTERM that arrived before them would kill the process undrained.
    exitOnSignals({
      timeoutMs,
      stop: closeAll,
      stopping: () => stopping,
      report: (line, failed) => (failed ? logger.error(line) : logger.info(line)),
    });
    logger.info({ port }, `${name} ready`);
  };

  start().catch(async (err: unknown) => {
    const closed = await closeAll(timeoutMs).then(
      () => '',
      (closeErr: unknown) => `; while closing: ${closeErr instanceof Error ? closeErr.message : String(closeErr)}`,
    );
    console.error(maskUrlsInText(`${label} failed to start: ${err instanceof Error ? err.message : String(err)}${closed}`));
    process.exit(1);
  });
}
