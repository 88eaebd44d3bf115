import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CredentialStore, EmbeddedBroker, PortInUseError as MqttPortInUseError, generatePassword, type EmbeddedBrokerTls } from '@premonitor/broker';
import { ConfigError } from '@premonitor/config';
import { InProcessBus } from '@premonitor/bus';
import { coreClientId } from '@premonitor/contracts';
import { openDatabase, migrate, type DatabaseHandle } from '@premonitor/db';
import { HttpServer, PortInUseError as HttpPortInUseError, createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import { DEFAULT_BASELINE_SETTINGS, Inference } from '@premonitor/inference';
import { FileArtifactStore, ModelRegistry, SHIPPED_MODEL_KINDS, seedShippedModels } from '@premonitor/registry';
import { Fusion } from '@premonitor/fusion';
import { Forecasting, forecastingConfigShape, settingsFromConfig as forecastingSettings } from '@premonitor/forecasting';
import { loadConfig } from '@premonitor/config';
import { ModelSync, loadOrCreateSigningKeyFile } from '@premonitor/model-sync';
import { Router } from 'express';
import { Notifier, loadRoutingSettings } from '@premonitor/notifier';
import { Simulator } from '@premonitor/edge-agent';
import type { Logger } from '@premonitor/log';
import { ShutdownError, stopInOrder, type StopStep } from '@premonitor/runtime/lifecycle';
import { awaitHandOver } from './broker-handover.js';
import { brokerPrometheusMetrics } from './broker-prometheus.js';
import { DataDirLock } from './data-dir-lock.js';
import type { PlatformConfig } from './platform-config.js';
import { isPortFree } from './port-probe.js';

/**
 * The service accounts of the in-process ingest and model-sync, each with its role's least
 * privilege (the same names as in distributed mode); passwords are new at every start.
 */
const INGEST_ACCOUNT = 'ingest';
const MODEL_SYNC_ACCOUNT = 'model-sync';

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
}

/** The one-line summary numbers. */
export interface PlatformSummary {
  readonly devicesOnline: number;
  readonly devicesKnown: number;
  readonly readingsStored: number;
  readonly rejected: number;
}

/**
 * Embedded mode: every component in one process — Aedes, the in-process bus, PGlite in a
 * folder, ingest with its read API, and optionally simulated devices. Same code as the
 * distributed services, different adapters behind the same interfaces.
 */
export class EmbeddedPlatform {
  #db: DatabaseHandle | undefined;
  #bus: InProcessBus | undefined;
  #broker: EmbeddedBroker | undefined;
  #ingest: Ingest | undefined;
  #fusion: Fusion | undefined;
  #notifier: Notifier | undefined;
  #forecasting: Forecasting | undefined;
  #modelSync: ModelSync | undefined;
  #inference: Inference[] = [];
  #http: HttpServer | undefined;
  #simulator: Simulator | undefined;
  #lock: DataDirLock | undefined;
  #stopping: string | undefined;
  #readingsAtStart = 0;
  #rejectedAtStart = 0;

  constructor(
    private readonly config: PlatformConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts everything, in dependency order: first the data folder's lock (a second instance is
   * refused before it opens anything), then a check of its ports, then the database and the
   * rest. A failure stops what already started.
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
      const db = (this.#db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg'), logger }));
      await migrate(db, { logger });
      this.#readingsAtStart = await countRows(db, 'readings');
      this.#rejectedAtStart = await countRows(db, 'dead_letters');

      const credentials = await CredentialStore.load(join(dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
      // Earlier versions left an all-powerful 'core' account here (platform-ingest); this file is the platform's own.
      for (const username of credentials.retiredServices()) credentials.removeService(username);
      const ingestPassword = generatePassword();
      await credentials.addService(INGEST_ACCOUNT, 'ingest', ingestPassword, { replace: true });
      const modelSyncPassword = generatePassword();
      await credentials.addService(MODEL_SYNC_ACCOUNT, 'model-sync', modelSyncPassword, { replace: true });
      const simPasswords = new Map<string, string>();
      for (let i = 1; i <= config.SIM_DEVICES; i++) {
        const device = `sim-${String(i).padStart(3, '0')}`;
        const password = generatePassword();
        await credentials.addDevice({ site: config.SIM_SITE, device }, password, { replace: true });
        simPasswords.set(device, password);
      }
      await credentials.save();

      const registry = createRegistry('platform');
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
      }));
      await broker.start();

      const bus = (this.#bus = new InProcessBus({ logger: logger.child({ component: 'bus' }) }));
      await bus.start();

      const ingest = (this.#ingest = new Ingest(
        {
          mqtt: {
            url: broker.url,
            username: INGEST_ACCOUNT,
            password: ingestPassword,
            clientId: coreClientId(INGEST_ACCOUNT),
            sharedGroup: '',
            receiveMaximum: 20_000,
            protocolVersion: 4,
          },
          batchSize: config.BATCH_SIZE,
          batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
          // PGlite has one connection: a second batch would only wait for it.
          batchConcurrency: 1,
          deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
          deadLetterRetentionDays: config.DEAD_LETTER_RETENTION_DAYS,
          limits: { maxJsonBytes: config.MAX_JSON_BYTES, maxFutureSkewMs: config.MAX_FUTURE_SKEW_MS, maxPastAgeMs: config.MAX_PAST_AGE_MS },
        },
        { db, bus, logger: logger.child({ component: 'ingest' }), registry },
      ));
      const artifacts = new FileArtifactStore(join(dataDir, 'models'));
      const models = new ModelRegistry({ db: db.db, bus, store: artifacts, logger: logger.child({ component: 'registry' }) });
      await seedShippedModels(models, resolve(config.PM_MODELS_DIR), logger);
      const inference = (this.#inference = SHIPPED_MODEL_KINDS.map(
        (kind) =>
          new Inference(
            {
              kind,
              batchSize: 64,
              batchMaxWaitMs: 20,
              ortThreads: 1,
              maxAckPending: 1_000,
              maxUploadBytes: 4 * 1024 * 1024,
              deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
              instanceId: 'embedded',
              sharedUploadPath: true,
              // The last resort when the production model and every earlier version are unusable.
              shippedModelFile: join(resolve(config.PM_MODELS_DIR), `${kind}.onnx`),
              baselines: { ...DEFAULT_BASELINE_SETTINGS, policy: { ...DEFAULT_BASELINE_SETTINGS.policy, minIntervalMs: config.BASELINE_MIN_INTERVAL_MS } },
            },
            { db, bus, logger: logger.child({ component: `inference-${kind}` }), registry, models },
          ),
      ));
      const fusion = (this.#fusion = new Fusion(
        {
          rulesFile: config.FUSION_RULES_FILE,
          rulesReloadMs: 60_000,
          tickMs: 1_000,
          consumers: { durablePrefix: 'fusion', site: '*', deliverPolicy: 'all', ackWaitMs: 30_000 },
        },
        { db, bus, logger: logger.child({ component: 'fusion' }), registry },
      ));
      const forecasting = (this.#forecasting = new Forecasting(
        forecastingSettings(
          loadConfig(forecastingConfigShape, {
            FORECAST_INTERVAL_MINUTES: String(config.FORECAST_INTERVAL_MINUTES),
          }),
        ),
        // Forecasters live in the platform's model registry beside the shipped models.
        { db, bus, logger: logger.child({ component: 'forecasting' }), registry, models },
      ));
      // Without a routing file there is nobody to notify: alerts are kept, nothing is sent.
      const notifier = (this.#notifier = config.NOTIFIER_CONFIG_FILE
        ? new Notifier({ routing: await loadRoutingSettings(config.NOTIFIER_CONFIG_FILE) }, { db, bus, logger: logger.child({ component: 'notifier' }), registry })
        : undefined);
      const syncRouter = Router();
      const http = (this.#http = new HttpServer({
        logger,
        registry,
        readiness: [...ingest.readiness, ...fusion.readiness, ...inference.flatMap((i, n) => i.readiness.map((c) => ({ ...c, name: `${SHIPPED_MODEL_KINDS[n]}-${c.name}` }))), ...(notifier?.readiness ?? []), ...forecasting.readiness.map((c) => ({ ...c, name: `forecasting-${c.name}` })), { name: 'broker', check: () => this.#broker !== undefined }],
        routers: [
          { path: '/api/v1', router: ingest.router },
          { path: '/api/v1', router: fusion.router },
          ...inference.map((i) => ({ path: '/api/v1', router: i.router })),
          ...(notifier ? [{ path: '/api/v1', router: notifier.router }] : []),
          { path: '/api/v1/lstm', router: forecasting.router },
          // Model sync needs the bound port for its download URLs, so it joins after start.
          { path: '/api/v1', router: syncRouter },
        ],
        portSetting: 'HTTP_PORT',
      }));
      const httpPort = await http.start(config.HTTP_PORT, config.HTTP_HOST);
      const httpUrl = `http://${urlHost(config.HTTP_HOST)}:${httpPort}`;
      // Created (0600) in the data folder on first start; the same key signs every later start's announcements.
      const signingKey = await loadOrCreateSigningKeyFile(join(dataDir, 'model-signing-key.pem'), logger.child({ component: 'model-sync' }));
      const modelSync = (this.#modelSync = new ModelSync(
        {
          mqtt: { url: broker.url, username: MODEL_SYNC_ACCOUNT, password: modelSyncPassword, clientId: coreClientId(MODEL_SYNC_ACCOUNT) },
          publicBaseUrl: `${httpUrl}/api/v1`,
          kinds: [...SHIPPED_MODEL_KINDS],
          refreshMs: 30_000,
          heartbeatMs: 5_000,
          signingKey,
        },
        { db: db.db, bus, registry: models, store: artifacts, logger: logger.child({ component: 'model-sync' }) },
      ));
      syncRouter.use(modelSync.router);
      for (const i of inference) await i.start();
      await fusion.start();
      await notifier?.start();
      await forecasting.start();
      await modelSync.start();
      await ingest.start();
      broker.admitDevices();

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
      return { httpUrl, mqttUrl: broker.url, mqttPort: broker.port, ...(broker.tlsUrl ? { mqttTlsUrl: broker.tlsUrl } : {}), dataDir, modelPublicKey: modelSync.publicKey };
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

  /** The platform's in-process bus, while started. */
  bus(): InProcessBus {
    if (!this.#bus) throw new Error('EmbeddedPlatform is not started');
    return this.#bus;
  }

  /** Counts for the periodic summary line. */
  async summary(): Promise<PlatformSummary> {
    const db = this.#db;
    const ingest = this.#ingest;
    if (!db || !ingest) return { devicesOnline: 0, devicesKnown: 0, readingsStored: 0, rejected: 0 };
    const row = await db.db
      .selectFrom('devices')
      .select((eb) => [eb.fn.countAll<number>().as('known'), eb.fn.count<number>('id').filterWhere('online', '=', true).as('online')])
      .executeTakeFirstOrThrow();
    return {
      devicesOnline: Number(row.online),
      devicesKnown: Number(row.known),
      readingsStored: this.#readingsAtStart + ingest.stats.readingsStored,
      rejected: this.#rejectedAtStart + ingest.stats.rejected,
    };
  }

  /**
   * Drains in reverse order: devices are disconnected and refused, ingest persists everything
   * the broker acknowledged to them (the broker's sessions live in memory), then the rest closes,
   * the database last; then the data folder's lock is released. Each component gets at most
   * half of `timeoutMs` and the whole at most `timeoutMs` (default SHUTDOWN_TIMEOUT_MS).
   * Rejects with a {@link ShutdownError} naming every component that failed or overran; the
   * lock is then kept unless the database closed, so the next start warns as it takes it over.
   */
  async stop(timeoutMs: number = this.config.SHUTDOWN_TIMEOUT_MS): Promise<void> {
    const simulator = this.#simulator;
    const ingest = this.#ingest;
    const fusion = this.#fusion;
    const inference = this.#inference;
    this.#inference = [];
    const notifier = this.#notifier;
    const forecasting = this.#forecasting;
    const modelSync = this.#modelSync;
    const http = this.#http;
    const broker = this.#broker;
    const bus = this.#bus;
    const db = this.#db;
    const lock = this.#lock;
    this.#simulator = this.#ingest = this.#fusion = this.#notifier = this.#forecasting = this.#modelSync = this.#http = this.#broker = this.#bus = this.#db = undefined;
    this.#lock = undefined;
    const steps: StopStep[] = [
      ...(simulator ? [{ name: 'simulator', stop: () => simulator.stop() }] : []),
      // Devices first: what they were not acknowledged they keep and send to the next start.
      ...(broker ? [{ name: 'devices', stop: () => broker.refuseDevices() }] : []),
      // Then ingest persists everything the broker acknowledged (held in memory only) before it lets go.
      ...(broker && ingest ? [{ name: 'ingest (broker queue)', stop: () => awaitHandOver(broker, coreClientId(INGEST_ACCOUNT), timeoutMs / 4) }] : []),
      ...(ingest ? [{ name: 'ingest', stop: () => ingest.stop() }] : []),
      ...inference.map((i, n) => ({ name: `inference-${SHIPPED_MODEL_KINDS[n] ?? n}`, stop: () => i.stop() })),
      ...(fusion ? [{ name: 'fusion', stop: () => fusion.stop() }] : []),
      ...(notifier ? [{ name: 'notifier', stop: () => notifier.stop() }] : []),
      ...(forecasting ? [{ name: 'forecasting', stop: () => forecasting.stop() }] : []),
      ...(modelSync ? [{ name: 'model-sync', stop: () => modelSync.stop() }] : []),
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
