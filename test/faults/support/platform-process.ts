import { join } from 'node:path';
import { CredentialStore } from '@premonitor/broker';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { ServiceProcess, describeExit, repoRoot, type Cleanup } from '@premonitor/testkit';
import { metric } from './core-stack.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const READY = /MQTT\s+mqtt:\/\/\S+\s+\(port (\d+)\)/;
const HTTP = /HTTP API\s+http:\/\/[^:\s]+:(\d+)/;
const INGEST_CLOSED = /"msg":"MQTT connection closed; reconnecting"/;
/** How often a crashed platform is started again (a service manager's restart policy) before it stays down. */
const MAX_RESTARTS = 3;

/** What the platform process needs. */
export interface PlatformOptions {
  /** Device accounts (`site/device` → password) to add to its credential file before it starts. */
  readonly devices: ReadonlyMap<string, string>;
  /** Service accounts to add as well, with role `ingest` (they may read every device topic). */
  readonly services?: ReadonlyMap<string, string>;
  /** Extra settings (limits). */
  readonly env?: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly cleanup: Cleanup;
  readonly log: (line: string) => void;
}

/**
 * The embedded platform as a user runs it (`npm start`: services/platform/dist/main.js —
 * Aedes, the in-process bus, PGlite and every service in one process), on free ports, with no
 * simulated devices and a data folder prepared as an operator would: accounts added to its
 * credential file first. Its database is read after it stopped (PGlite has one owner).
 */
export class PlatformProcess {
  readonly crashes: string[] = [];
  readonly dataDir: string;
  #process: ServiceProcess | undefined;
  #env: Record<string, string> = {};
  #stopping = false;
  #restarts = 0;
  #db: DatabaseHandle | undefined;
  #mqttPort = 0;
  #httpPort: number | undefined;

  private constructor(private readonly o: PlatformOptions) {
    this.dataDir = join(o.dir, 'platform-data');
  }

  static async start(o: PlatformOptions): Promise<PlatformProcess> {
    const platform = new PlatformProcess(o);
    const credentials = await CredentialStore.load(join(platform.dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
    for (const [username, password] of o.devices) {
      const [site, device] = username.split('/') as [string, string];
      await credentials.addDevice({ site, device }, password);
    }
    for (const [username, password] of o.services ?? []) await credentials.addService(username, 'ingest', password);
    await credentials.save();
    platform.#env = {
      PM_DATA_DIR: platform.dataDir,
      PM_MODELS_DIR: join(repoRoot(), 'models'),
      MQTT_PORT: '0',
      HTTP_PORT: '0',
      SIM_DEVICES: '0',
      SUMMARY_INTERVAL_MS: '0',
      FORECAST_INTERVAL_MINUTES: '0',
      LOG_LEVEL: 'warn',
      ...o.env,
    };
    o.cleanup.add('embedded platform', () => platform.stop(20_000));
    await platform.#launch();
    o.log(`embedded platform up: MQTT :${platform.mqttPort}, HTTP :${platform.httpPort}`);
    return platform;
  }

  get mqttPort(): number {
    return this.#mqttPort;
  }

  get httpPort(): number | undefined {
    return this.#httpPort;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  /** Times the in-process ingest lost its MQTT connection (this run of the process). */
  ingestDisconnects(): number {
    return (this.#process?.log ?? '').split('\n').filter((l) => l.includes('"component":"ingest"') && INGEST_CLOSED.test(l)).length;
  }

  /** Ingest's unacknowledged MQTT messages, from the platform's /metrics. */
  pendingAcks(): Promise<number | undefined> {
    return this.running ? metric(this.httpPort, 'pm_ingest_pending_acks') : Promise.resolve(undefined);
  }

  /** SIGTERM; true when it drained and left within `graceMs` (else it is killed). */
  async stop(graceMs = 30_000): Promise<boolean> {
    this.#stopping = true;
    return this.#process ? this.#process.stop(graceMs) : true;
  }

  /** The platform's database; stops the platform first if it still runs. */
  async database(): Promise<DatabaseHandle> {
    if (this.running) await this.stop();
    if (!this.#db) {
      const db = await openDatabase({ kind: 'pglite', dataDir: join(this.dataDir, 'pg') });
      this.o.cleanup.add('PGlite (counting)', () => db.close());
      await migrate(db, { schema: PLATFORM_SCHEMA });
      this.#db = db;
    }
    return this.#db;
  }

  async #launch(): Promise<void> {
    // A restart after a crash must come up on the same ports, or the devices could not reconnect.
    const env = this.#mqttPort ? { ...this.#env, MQTT_PORT: String(this.#mqttPort), HTTP_PORT: String(this.#httpPort ?? 0) } : this.#env;
    const process = await ServiceProcess.start('platform', env, { ready: READY, timeoutMs: 120_000 });
    this.#process = process;
    this.#mqttPort = Number(READY.exec(process.log)?.[1]);
    const http = HTTP.exec(process.log);
    this.#httpPort = http ? Number(http[1]) : undefined;
    void process.exited.then((exit) => {
      if (this.#stopping) return;
      const tail = process.log.trimEnd().split('\n').filter((l) => !/^\{"level":(30|40),/.test(l)).slice(-12).join(' | ').slice(-2_500);
      this.crashes.push(`platform (${describeExit(exit)}): ${tail}`);
      if (this.#restarts++ >= MAX_RESTARTS) return;
      setTimeout(() => void this.#launch().catch((err: unknown) => this.crashes.push(`platform restart failed: ${String(err).slice(0, 500)}`)), 1_000);
    });
  }
}
