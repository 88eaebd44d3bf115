import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry, seedShippedModels } from '@premonitor/registry';
import { MosquittoProcess } from '@premonitor/broker/mosquitto-process';
import { coreClientId } from '@premonitor/contracts';
import { NatsProcess, PostgresProcess, ServiceProcess, describeExit, localWebhookChannel, repoRoot, type Cleanup } from '@premonitor/testkit';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

/** The distributed-mode services a case can run, each as its own process. */
export type CoreServiceName = 'ingest' | 'acoustic-inference' | 'thermal-inference' | 'fusion' | 'notifier';

/** The MQTT account ingest logs in with (role ingest: a `user ingest` block of mosquitto/acl-core). */
export const INGEST_ACCOUNT = 'ingest';
/** How often a crashed service is started again before the case leaves it down. */
const MAX_RESTARTS = 3;

/** Ingest's client id as deployed (its default, `premonitor-ingest`): the id a hostile device would try to take. */
export const INGEST_CLIENT_ID = coreClientId(INGEST_ACCOUNT);

/** What a case's core looks like. */
export interface CoreStackOptions {
  /** Device accounts (username → password) for the broker's password file. */
  readonly deviceAccounts: ReadonlyMap<string, string>;
  readonly services: readonly CoreServiceName[];
  /** The site whose events fusion watches and the notifier routes. */
  readonly site: string;
  /** The webhook the notifier delivers to (required with `notifier`). */
  readonly webhookUrl?: string;
  /** Extra environment for ingest (limits the fuzz case sets explicitly). */
  readonly ingestEnv?: Readonly<Record<string, string>>;
  readonly pgTemplate: string;
  readonly dir: string;
  readonly cleanup: Cleanup;
  readonly log: (line: string) => void;
}

/** Fusion rules of the steady-load cases: every gas reading opens an alert, a tick later it resolves. */
const FUSION_RULES = {
  rules: [
    { id: 'gas-leak', k: 1, m: 1, quietPeriodMs: 0 },
    // Off: outages silence devices on purpose, and scores of healthy synthetic machines would
    // open alerts at random — the alert flow stays the gas rule's alone, so it can be counted.
    { id: 'device-offline', enabled: false },
    { id: 'acoustic-anomaly', enabled: false },
    { id: 'thermal-anomaly', enabled: false },
    { id: 'correlated-anomaly', enabled: false },
  ],
};

/**
 * A private core, as `docker compose` runs it but on free ports of this host: PostgreSQL,
 * NATS JetStream and Mosquitto (the repository's config and ACL) of its own, the shipped
 * models registered, and the chosen services as processes configured by environment. Nothing
 * is shared with other work on the machine, so any piece can be stopped, killed or restarted.
 */
export class CoreStack {
  readonly services = new Map<CoreServiceName, ServiceProcess>();
  /** Services that ended without the case asking (crashes), with how they ended. */
  readonly crashes: string[] = [];
  readonly #intentional = new Set<ServiceProcess>();
  /** Restarts after crashes so far, per service (see `startService`). */
  readonly #restarts = new Map<CoreServiceName, number>();
  #stopping = false;

  private constructor(
    readonly postgres: PostgresProcess,
    readonly nats: NatsProcess,
    readonly mosquitto: MosquittoProcess,
    readonly databaseUrl: string,
    /** The case's own connection to the database, for counting. */
    readonly db: DatabaseHandle,
    readonly ingestPassword: string,
    private readonly envs: ReadonlyMap<CoreServiceName, Readonly<Record<string, string>>>,
  ) {}

  static async start(o: CoreStackOptions): Promise<CoreStack> {
    const logger = createLogger({ service: 'faults', level: 'silent' });
    const postgres = await PostgresProcess.start({ template: o.pgTemplate });
    o.cleanup.add('postgres', () => postgres.stop());
    const databaseUrl = await postgres.createDatabase('premonitor');
    const nats = await NatsProcess.start();
    o.cleanup.add('nats', () => nats.stop());
    const ingestPassword = randomBytes(16).toString('hex');
    const mosquitto = await MosquittoProcess.start({ devices: o.deviceAccounts, core: [{ username: INGEST_ACCOUNT, password: ingestPassword, role: 'ingest' }] });
    o.cleanup.add('mosquitto', () => mosquitto.stop());

    // Migrated and seeded before the services start, as model-sync's SEED_MODELS_DIR would.
    const db = await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 3, logger });
    o.cleanup.add('counting connection', () => db.close());
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    const modelDir = join(o.dir, 'models');
    await mkdir(modelDir, { recursive: true });
    const registryBus = new InProcessBus({ logger });
    await registryBus.start();
    await seedShippedModels(new ModelRegistry({ db: db.db, bus: registryBus, store: new FileArtifactStore(modelDir), logger }), join(repoRoot(), 'models'), logger);
    await registryBus.stop();

    const common = { NATS_URL: nats.url, DATABASE_URL: databaseUrl, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info' };
    const envs = new Map<CoreServiceName, Record<string, string>>();
    envs.set('ingest', { ...common, MQTT_URL: mosquitto.coreUrl, MQTT_USERNAME: INGEST_ACCOUNT, MQTT_PASSWORD: ingestPassword, MQTT_CLIENT_ID: INGEST_CLIENT_ID, ...o.ingestEnv });
    for (const kind of ['acoustic', 'thermal'] as const) envs.set(`${kind}-inference`, { ...common, INFERENCE_KIND: kind, MODEL_STORE_DIR: modelDir });
    const rulesFile = join(o.dir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify(FUSION_RULES));
    envs.set('fusion', { ...common, FUSION_RULES_FILE: rulesFile, FUSION_RULES_RELOAD_MS: '0', FUSION_TICK_MS: '200' });
    if (o.services.includes('notifier')) {
      if (!o.webhookUrl) throw new Error('the notifier needs a webhook URL');
      const routingFile = join(o.dir, 'routing.json');
      await writeFile(routingFile, JSON.stringify(routing(o.webhookUrl, o.site)));
      envs.set('notifier', { ...common, NOTIFIER_CONFIG_FILE: routingFile, NOTIFIER_IDLE_POLL_MS: '500' });
    }

    const stack = new CoreStack(postgres, nats, mosquitto, databaseUrl, db, ingestPassword, envs);
    o.cleanup.add('services', () => stack.stopServices());
    // Consumers first, ingest last: nothing published waits for a service still starting.
    const order: CoreServiceName[] = ['acoustic-inference', 'thermal-inference', 'fusion', 'notifier', 'ingest'];
    await Promise.all(order.filter((s) => s !== 'ingest' && o.services.includes(s)).map((s) => stack.startService(s)));
    if (o.services.includes('ingest')) await stack.startService('ingest');
    o.log(`core up: postgres :${postgres.port}, nats :${nats.port}, mosquitto devices :${mosquitto.devicePort} core :${mosquitto.corePort}, ${[...stack.services.keys()].join(', ')}`);
    return stack;
  }

  service(name: CoreServiceName): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not part of this stack`);
    return service;
  }

  /** Starts (or starts again) a service with its deployed environment. */
  async startService(name: CoreServiceName): Promise<ServiceProcess> {
    const env = this.envs.get(name);
    if (!env) throw new Error(`no environment for ${name}`);
    const entry = name.endsWith('-inference') ? 'inference' : name;
    const service = await ServiceProcess.start(entry, env, { ready: new RegExp(`"msg":"${name} ready"`), timeoutMs: 90_000 });
    this.services.set(name, service);
    void service.exited.then((exit) => {
      if (this.#intentional.has(service)) return;
      this.crashes.push(`${name} (${describeExit(exit)}): ${lastLines(service.log)}`);
      // As a deployment's restart policy would (compose: unless-stopped), a few times: a
      // crash is a failure either way, but what happens after it is worth counting too.
      const restarts = this.#restarts.get(name) ?? 0;
      if (this.#stopping || restarts >= MAX_RESTARTS) return;
      this.#restarts.set(name, restarts + 1);
      setTimeout(() => void this.startService(name).catch(() => undefined), 1_000);
    });
    return service;
  }

  /** SIGKILL, as a crash would — recorded as intended, not as a crash. */
  async kill(name: CoreServiceName): Promise<void> {
    const service = this.service(name);
    this.#intentional.add(service);
    await service.kill();
  }

  /** SIGTERM with a deadline; true when it drained and left in time. */
  async stopService(name: CoreServiceName, graceMs = 15_000): Promise<boolean> {
    const service = this.service(name);
    this.#intentional.add(service);
    return service.stop(graceMs);
  }

  /** Ingest's unacknowledged MQTT messages (`pm_ingest_pending_acks`), or undefined when unreachable. */
  async ingestPendingAcks(): Promise<number | undefined> {
    const ingest = this.services.get('ingest');
    return ingest?.running ? metric(ingest.httpPort, 'pm_ingest_pending_acks') : undefined;
  }

  /** Raises fusion skipped because their event had been applied before (`pm_fusion_replays_total`), or undefined when unreachable. */
  async fusionReplays(): Promise<number | undefined> {
    const fusion = this.services.get('fusion');
    return fusion?.running ? metric(fusion.httpPort, 'pm_fusion_replays_total') : undefined;
  }

  /** Stops every service (SIGTERM, then SIGKILL after 10 s). */
  async stopServices(): Promise<void> {
    this.#stopping = true;
    const order: CoreServiceName[] = ['ingest', 'acoustic-inference', 'thermal-inference', 'fusion', 'notifier'];
    for (const name of order) {
      const service = this.services.get(name);
      if (!service) continue;
      this.#intentional.add(service);
      await service.stop(10_000);
    }
  }
}

/** The notifier's routing: one generic webhook for the case's site, tuned for a local receiver. */
function routing(url: string, site: string): object {
  return { allowHttp: true, allowPrivateNetworks: true, channels: [localWebhookChannel('faults', url)], routes: [{ sites: [site], transitions: ['open'], channels: ['faults'] }] };
}

/** Reads one gauge or counter, summed over its labels, from the /metrics of the service on `port` (0 when it has no series yet). */
export async function metric(port: number | undefined, name: string): Promise<number | undefined> {
  if (port === undefined) return undefined;
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    const lines = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return lines.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  } catch {
    return undefined;
  }
}

/** The end of a crashed service's output, without its routine info and warning lines. */
function lastLines(log: string, n = 15): string {
  const lines = log.trimEnd().split('\n').filter((l) => l.trim() && !/^\{"level":(30|40),/.test(l));
  return lines.slice(-n).join(' | ').slice(-3_000);
}
