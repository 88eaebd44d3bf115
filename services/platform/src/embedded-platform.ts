import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Router } from 'express';
import { hostAccess, loopbackHosts, type FirstAdminSecrets } from '@premonitor/auth';
import { CredentialStore, EmbeddedBroker, PortInUseError as MqttPortInUseError, generatePassword, type EmbeddedBrokerTls } from '@premonitor/broker';
import { ConfigError } from '@premonitor/config';
import { InProcessBus } from '@premonitor/bus';
import { coreClientId } from '@premonitor/contracts';
import { openDatabase, migrate, type DatabaseHandle } from '@premonitor/db';
import { API_DOCS_ROUTES, HttpServer, PortInUseError as HttpPortInUseError, apiDocsRouter, createRegistry, type RouteDeclaration } from '@premonitor/http';
import { fusionModule } from '@premonitor/fusion';
import { ingestModule } from '@premonitor/ingest';
import { loadOrCreateSigningKeyFile } from '@premonitor/model-sync';
import { Simulator } from '@premonitor/edge-agent';
import type { Logger } from '@premonitor/log';
import { publicKeyText } from '@premonitor/contracts/signing';
import { ModuleHost, ShutdownError, stopInOrder, type StopStep } from '@premonitor/runtime/host';
import type { Registry } from 'prom-client';
import { awaitHandOver } from './broker-handover.js';
import { brokerPrometheusMetrics } from './broker-prometheus.js';
import { DataDirLock } from './data-dir-lock.js';
import { embeddedModules } from './embedded-modules.js';
import type { PlatformConfig } from './platform-config.js';
import { PLATFORM_SCHEMA } from './platform-schema.js';
import { isPortFree } from './port-probe.js';

/**
 * The service accounts of the in-process ingest, model-sync and fusion, each with its role's least
 * privilege (the same names as in distributed mode); passwords are new at every start.
 */
const INGEST_ACCOUNT = 'ingest';
const MODEL_SYNC_ACCOUNT = 'model-sync';
const FUSION_ACCOUNT = 'fusion';
/** The API version in `/openapi.json`. */
const PLATFORM_VERSION = '1';

/** Where a running platform can be reached. */
export interface PlatformEndpoints {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly mqttPort: number;
  /** `mqtts://…` when MQTT_TLS_PORT is set. */
  readonly mqttTlsUrl?: string;
  readonly dataDir: string;
  /** The public key model announcements are signed with: what an edge agent needs in EDGE_MODEL_PUBLIC_KEY. */
  readonly modelPublicKey: string;
  /** The first admin's password and token, on the data folder's very first start only (print once). */
  readonly firstAdmin?: FirstAdminSecrets;
}

/** The one-line summary numbers. */
export interface PlatformSummary {
  readonly devicesOnline: number;
  readonly devicesKnown: number;
  readonly readingsStored: number;
  readonly rejected: number;
  /** Alerts in status `open` (at most {@link OPEN_ALERTS_COUNTED}; `openAlertsMore` says there are more). */
  readonly openAlerts: number;
  readonly openAlertsMore: boolean;
  /** The most recently opened of them. */
  readonly latestAlert?: { readonly severity: string; readonly title: string; readonly site: string; readonly device: string; readonly lastSeen: string };
}

/** Open alerts counted for the summary line: one page of fusion's API. */
export const OPEN_ALERTS_COUNTED = 1_000;

/**
 * Embedded mode: every service in one process — Aedes, the in-process bus, PGlite in a
 * folder, one HTTP server, the service modules of `embeddedModules` and optionally simulated
 * devices. Same modules as the distributed services, different adapters behind the same interfaces.
 */
export class EmbeddedPlatform {
  #db: DatabaseHandle | undefined;
  #bus: InProcessBus | undefined;
  #broker: EmbeddedBroker | undefined;
  #modules: ModuleHost | undefined;
  #http: HttpServer | undefined;
  #httpUrl: string | undefined;
  #routes: readonly RouteDeclaration[] = [];
  /** A credential of this process only: the summary reads fusion's API through it. */
  #summaryToken: string | undefined;
  #registry: Registry | undefined;
  #simulator: Simulator | undefined;
  #lock: DataDirLock | undefined;
  #stopping: string | undefined;
  #readingsAtStart = 0;
  /** The broker journals device messages (MQTT_JOURNAL_MAX_MB > 0, with credentials). */
  #journaled = false;
  #rejectedAtStart = 0;

  constructor(
    private readonly config: PlatformConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts everything, in dependency order: first the data folder's lock (a second instance is
   * refused before it opens anything), then a check of its ports, then the database, the broker,
   * the bus, the HTTP server and the modules. A failure stops what already started.
   */
  async start(): Promise<PlatformEndpoints> {
    const { config, logger } = this;
    const dataDir = resolve(config.PM_DATA_DIR);
    // Before anything is opened: a wrong TLS setting must not cost a half-started platform.
    const tls = await tlsSettings(config);
    await mkdir(dataDir, { recursive: true });
    this.#lock = await DataDirLock.acquire(dataDir, logger);
    try {
      if (!(await isPortFree(config.HTTP_HOST, config.HTTP_PORT))) throw new HttpPortInUseError(config.HTTP_PORT, 'HTTP_PORT');
      if (!(await isPortFree(config.MQTT_HOST, config.MQTT_PORT))) throw new MqttPortInUseError(config.MQTT_PORT, config.MQTT_HOST, 'MQTT_PORT');
      if (tls && !(await isPortFree(config.MQTT_HOST, tls.port))) throw new MqttPortInUseError(tls.port, config.MQTT_HOST, 'MQTT_TLS_PORT');
      const db = (this.#db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg'), logger, ...(config.PGLITE_TEMPLATE_DIR ? { template: config.PGLITE_TEMPLATE_DIR } : {}) }));
      // One database for every module: every owner's tables, whichever modules this start hosts.
      await migrate(db, { logger, schema: PLATFORM_SCHEMA });
      this.#readingsAtStart = await countRows(db, 'readings');
      this.#rejectedAtStart = await countRows(db, 'dead_letters');
      const auth = await hostAccess({ db, logger: logger.child({ component: 'auth' }), settings: config, defaultAllowedHosts: loopbackHosts(config.HTTP_HOST), createFirstAdmin: true });
      this.#summaryToken = auth.access.internalToken('platform-summary', 'viewer');

      const credentials = await CredentialStore.load(join(dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
      // Earlier versions left an all-powerful 'core' account here (platform-ingest); this file is the platform's own.
      for (const username of credentials.retiredServices()) credentials.removeService(username);
      const accounts = {
        ingest: { username: INGEST_ACCOUNT, password: generatePassword() },
        'model-sync': { username: MODEL_SYNC_ACCOUNT, password: generatePassword() },
        fusion: { username: FUSION_ACCOUNT, password: generatePassword() },
      };
      await credentials.addService(INGEST_ACCOUNT, 'ingest', accounts.ingest.password, { replace: true });
      await credentials.addService(MODEL_SYNC_ACCOUNT, 'model-sync', accounts['model-sync'].password, { replace: true });
      await credentials.addService(FUSION_ACCOUNT, 'fusion', accounts.fusion.password, { replace: true });
      const simPasswords = new Map<string, string>();
      for (let i = 1; i <= config.SIM_DEVICES; i++) {
        const device = `sim-${String(i).padStart(3, '0')}`;
        const password = generatePassword();
        await credentials.addDevice({ site: config.SIM_SITE, device }, password, { replace: true });
        simPasswords.set(device, password);
      }
      await credentials.save();

      const registry = (this.#registry = createRegistry('platform'));
      const journal = (this.#journaled = config.MQTT_JOURNAL_MAX_MB > 0 && !config.MQTT_ALLOW_ANONYMOUS);
      if (config.MQTT_JOURNAL_MAX_MB > 0 && config.MQTT_ALLOW_ANONYMOUS) logger.warn('MQTT journal off: anonymous clients cannot be told apart from devices (MQTT_ALLOW_ANONYMOUS); a crash loses what was acknowledged and not yet stored');
      const broker = (this.#broker = new EmbeddedBroker({
        host: config.MQTT_HOST,
        port: config.MQTT_PORT,
        ...(tls ? { tls } : {}),
        credentials: config.MQTT_ALLOW_ANONYMOUS ? null : credentials,
        logger: logger.child({ component: 'broker' }),
        portSetting: 'MQTT_PORT',
        metrics: brokerPrometheusMetrics(registry),
        // Until ingest is subscribed nothing holds device messages: they would be acknowledged and dropped.
        admitDevices: false,
        ...(journal ? { journal: { dir: join(dataDir, 'mqtt-journal'), maxBytes: config.MQTT_JOURNAL_MAX_MB * 1024 * 1024, storedBy: [coreClientId(INGEST_ACCOUNT)] } } : {}),
      }));
      await broker.start();

      const bus = (this.#bus = new InProcessBus({ logger: logger.child({ component: 'bus' }) }));
      await bus.start();

      // The HTTP server listens before the modules are built: model-sync's download URLs need its bound port.
      // The modules' routers and readiness checks join it once built.
      const api = Router();
      api.use(auth.router);
      auth.access.declare(API_DOCS_ROUTES);
      api.use(apiDocsRouter(() => auth.access.routes, { title: 'Premonitor', version: PLATFORM_VERSION }));
      const modules = (this.#modules = new ModuleHost({ db, bus, logger, registry }));
      const http = (this.#http = new HttpServer({
        logger,
        registry,
        readiness: modules.readiness,
        routers: [{ path: '/', router: api }],
        portSetting: 'HTTP_PORT',
        access: { front: auth.access.front(), guard: auth.access.guard() },
      }));
      modules.readiness.push({ name: 'broker', check: () => this.#broker !== undefined });
      const httpPort = await http.start(config.HTTP_PORT, config.HTTP_HOST);
      const httpUrl = (this.#httpUrl = `http://${urlHost(config.HTTP_HOST)}:${httpPort}`);
      // Created (0600) in the data folder on first start; the same key signs every later start's announcements.
      const signingKeyFile = join(dataDir, 'model-signing-key.pem');
      const signingKey = await loadOrCreateSigningKeyFile(signingKeyFile, logger.child({ component: 'model-sync' }));
      await modules.create(embeddedModules({ config, dataDir, brokerUrl: broker.url, httpUrl, accounts, signingKeyFile }));
      auth.access.declare(modules.routes);
      this.#routes = auth.access.routes;
      for (const { path, router } of modules.routers) api.use(path, router);
      // Started means subscribed: ingest's start() waits for the broker's SUBACK.
      await modules.start();
      // Replays what the journal kept from a crash into ingest's session, then lets devices in.
      await broker.admitDevices();

      if (config.SIM_DEVICES > 0) {
        this.#simulator = new Simulator({
          mqttUrl: broker.url,
          site: config.SIM_SITE,
          deviceCount: config.SIM_DEVICES,
          credentialsFor: (device) => ({ username: `${config.SIM_SITE}/${device}`, password: simPasswords.get(device) ?? '' }),
          telemetryIntervalMs: config.SIM_TELEMETRY_INTERVAL_MS,
          acousticIntervalMs: config.SIM_ACOUSTIC_INTERVAL_MS,
          thermalIntervalMs: config.SIM_THERMAL_INTERVAL_MS,
          logger: logger.child({ component: 'simulator' }),
        });
        await this.#simulator.start();
      }
      await this.#lock.update({ httpUrl, mqttUrl: broker.url });
      return { httpUrl, mqttUrl: broker.url, mqttPort: broker.port, ...(broker.tlsUrl ? { mqttTlsUrl: broker.tlsUrl } : {}), dataDir, modelPublicKey: publicKeyText(signingKey), ...(auth.firstAdmin ? { firstAdmin: auth.firstAdmin } : {}) };
    } catch (err) {
      await this.stop().catch((stopErr: unknown) => logger.error({ err: stopErr }, 'start-up failed, and stopping what had started failed too'));
      throw err;
    }
  }

  /** The component stopping right now, while `stop()` runs (named when a shutdown overruns). */
  get stopping(): string | undefined {
    return this.#stopping;
  }

  /** The platform's database, while started (tests and tools read through it). */
  database(): DatabaseHandle {
    if (!this.#db) throw new Error('EmbeddedPlatform is not started');
    return this.#db;
  }

  /** Every route the HTTP server serves behind access control, with its permission (modules' and the auth API's). */
  routes(): readonly RouteDeclaration[] {
    return this.#routes;
  }

  /** The platform's in-process bus, while started. */
  bus(): InProcessBus {
    if (!this.#bus) throw new Error('EmbeddedPlatform is not started');
    return this.#bus;
  }

  /** Counts for the periodic summary line. */
  async summary(): Promise<PlatformSummary> {
    const db = this.#db;
    const registry = this.#registry;
    const httpUrl = this.#httpUrl;
    const token = this.#summaryToken;
    if (!db || !registry || !httpUrl || !token) return { devicesOnline: 0, devicesKnown: 0, readingsStored: 0, rejected: 0, openAlerts: 0, openAlertsMore: false };
    const row = await db.db
      .selectFrom('devices')
      .select((eb) => [eb.fn.countAll<number>().as('known'), eb.fn.count<number>('id').filterWhere('online', '=', true).as('online')])
      .executeTakeFirstOrThrow();
    return {
      devicesOnline: Number(row.online),
      devicesKnown: Number(row.known),
      readingsStored: this.#readingsAtStart + (await counterTotal(registry, 'pm_ingest_readings_stored_total')),
      rejected: this.#rejectedAtStart + (await counterTotal(registry, 'pm_ingest_rejected_total')),
      ...(await openAlerts(httpUrl, token)),
    };
  }

  /**
   * Drains: alerting (fusion) stops, then the simulated devices; devices are disconnected (new
   * logins held) and ingest persists everything the broker acknowledged to them (Aedes keeps it
   * in memory only); then the other modules upstream-first (ingest persists what it took, then
   * inference, fusion …), then the HTTP server, broker and bus, the database last; then the data
   * folder's lock is released. Each step gets at most half of `timeoutMs` and the whole at most
   * `timeoutMs` (default SHUTDOWN_TIMEOUT_MS). Rejects with a {@link ShutdownError} naming every
   * component that failed or overran; the lock is then kept unless the database closed, so the
   * next start warns as it takes it over.
   */
  async stop(timeoutMs: number = this.config.SHUTDOWN_TIMEOUT_MS): Promise<void> {
    const simulator = this.#simulator;
    const modules = this.#modules;
    const http = this.#http;
    const broker = this.#broker;
    const bus = this.#bus;
    const db = this.#db;
    const lock = this.#lock;
    this.#simulator = this.#modules = this.#http = this.#broker = this.#bus = this.#db = this.#registry = undefined;
    this.#lock = undefined;
    const moduleSteps = modules?.stopSteps() ?? [];
    // The simulated devices publish "offline" as they stop: that is the platform going away, not
    // a fault. Alerting stops before them, so a Ctrl-C does not open (and the next start resolve)
    // a device-offline alert per simulated device; ingest still records them offline.
    const alerting = simulator ? moduleSteps.filter((step) => step.name === fusionModule.name) : [];
    const steps: StopStep[] = [
      ...alerting,
      ...(simulator ? [{ name: 'simulator', stop: () => simulator.stop() }] : []),
      // Devices next: what they were not acknowledged they keep and send to the next start.
      ...(broker ? [{ name: 'devices', stop: () => broker.refuseDevices() }] : []),
      // Then ingest persists everything the broker acknowledged (held in memory only) before it stops.
      ...(broker && moduleSteps.some((step) => step.name === ingestModule.name)
        ? [{ name: 'ingest (broker queue)', stop: () => awaitHandOver(broker, coreClientId(INGEST_ACCOUNT), timeoutMs / 4, this.#journaled) }]
        : []),
      ...moduleSteps.filter((step) => !alerting.includes(step)),
      ...(http ? [{ name: 'http', stop: () => http.stop() }] : []),
      ...(broker ? [{ name: 'broker', stop: () => broker.stop() }] : []),
      ...(bus ? [{ name: 'bus', stop: () => bus.stop() }] : []),
      ...(db ? [{ name: 'database', stop: () => db.close() }] : []),
    ];
    let failure: ShutdownError | undefined;
    try {
      await stopInOrder(steps, { timeoutMs, onStep: (name) => (this.#stopping = name) });
    } catch (err) {
      failure = err instanceof ShutdownError ? err : new ShutdownError([{ component: 'platform', outcome: 'failed', error: err }]);
      for (const f of failure.failures) this.logger.error({ err: f.error, component: f.component, outcome: f.outcome }, 'component did not stop cleanly');
    } finally {
      this.#stopping = undefined;
    }
    const databaseClosed = !failure?.failures.some((f) => f.component === 'database');
    if (lock && databaseClosed) {
      try {
        await lock.release();
      } catch (error) {
        failure = new ShutdownError([...(failure?.failures ?? []), { component: 'data folder lock', outcome: 'failed', error }]);
      }
    }
    if (failure) throw failure;
  }
}

/** Open alerts through fusion's API (the platform does not read fusion's tables); newest first. */
async function openAlerts(httpUrl: string, token: string): Promise<Pick<PlatformSummary, 'openAlerts' | 'openAlertsMore' | 'latestAlert'>> {
  const res = await fetch(`${httpUrl}/api/v1/alerts?status=open&limit=${OPEN_ALERTS_COUNTED}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /api/v1/alerts answered ${res.status}`);
  const page = (await res.json()) as { items: { severity: string; title: string; site: string; device: string; lastSeen: string }[]; next: unknown };
  const latest = page.items[0];
  return {
    openAlerts: page.items.length,
    openAlertsMore: page.next !== null,
    ...(latest ? { latestAlert: { severity: latest.severity, title: latest.title, site: latest.site, device: latest.device, lastSeen: latest.lastSeen } } : {}),
  };
}

/** The sum of a counter's values over its labels (0 when no module registered it). */
async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function countRows(db: DatabaseHandle, table: 'readings' | 'dead_letters'): Promise<number> {
  const row = await db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function urlHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

/** The broker's TLS listener from MQTT_TLS_PORT, MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE, or undefined when the port is unset. */
async function tlsSettings(config: PlatformConfig): Promise<EmbeddedBrokerTls | undefined> {
  const { MQTT_TLS_PORT: port, MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile } = config;
  if (port === undefined) return undefined;
  if (!certFile || !keyFile) {
    throw new ConfigError('invalid configuration:\n  MQTT_TLS_PORT is set: MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE must name the PEM certificate and key (mosquitto/make-dev-certs.sh makes development ones)', ['MQTT_TLS_CERT_FILE', 'MQTT_TLS_KEY_FILE']);
  }
  const read = (variable: string, path: string) =>
    readFile(path).catch((err: unknown) => {
      throw new ConfigError(`invalid configuration:\n  ${variable}: cannot read ${path} (${(err as Error).message})`, [variable]);
    });
  return { port, cert: await read('MQTT_TLS_CERT_FILE', certFile), key: await read('MQTT_TLS_KEY_FILE', keyFile), portSetting: 'MQTT_TLS_PORT' };
}
