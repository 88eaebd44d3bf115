import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CredentialStore } from '@premonitor/broker';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { ServiceProcess, repoRoot } from '@premonitor/testkit';
import type { CaseContext } from '../case.js';
import { CoreStack, INGEST_ACCOUNT, INGEST_CLIENT_ID } from './core-stack.js';

/** A login. */
export interface Account {
  readonly username: string;
  readonly password: string;
}

/** A broker with ingest behind it, as the hostile scenarios see it. */
export interface HostileTarget {
  /** `mosquitto` (distributed mode) or `embedded` (Aedes in the platform process). */
  readonly broker: 'mosquitto' | 'embedded';
  /** The port devices connect to. */
  readonly port: number;
  /** The client id ingest holds its session under. */
  readonly ingestClientId: string;
  /** A core account that may read every device topic, to see what the broker retained. */
  readonly observer: Account;
  /** Times ingest lost its MQTT connection so far. */
  ingestDisconnects(): number;
  /** Ends the run (the embedded platform must stop before its database can be read) and opens the database for counting. */
  finish(): Promise<DatabaseHandle>;
}

const INGEST_CLOSED = /"msg":"MQTT connection closed; reconnecting"/;

/** Distributed mode: the private Mosquitto with the repository's config, and ingest as its own process. */
export async function mosquittoTarget(ctx: CaseContext, site: string, devices: ReadonlyMap<string, string>): Promise<HostileTarget> {
  const stack = await CoreStack.start({ deviceAccounts: devices, services: ['ingest'], site, pgTemplate: ctx.pgTemplate, dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  return {
    broker: 'mosquitto',
    port: stack.mosquitto.port,
    ingestClientId: INGEST_CLIENT_ID,
    // Ingest's own account under another client id: a second core login, as an operator's tool would use.
    observer: { username: INGEST_ACCOUNT, password: stack.ingestPassword },
    ingestDisconnects: () => [...stack.services.values()].reduce((n, s) => n + s.log.split('\n').filter((l) => INGEST_CLOSED.test(l)).length, 0),
    finish: async () => {
      await stack.stopService('ingest');
      return stack.db;
    },
  };
}

/**
 * Embedded mode: the platform process (`npm start`'s services/platform/dist/main.js) with its
 * data folder prepared as an operator would — device accounts and an observer account added to
 * its credential file (libs/broker's CLI does the same) — and no simulated devices.
 */
export async function embeddedTarget(ctx: CaseContext, devices: ReadonlyMap<string, string>): Promise<HostileTarget> {
  const dataDir = join(ctx.dir, 'platform-data');
  const observer = { username: 'faults-observer', password: randomBytes(16).toString('hex') };
  const credentials = await CredentialStore.load(join(dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
  for (const [username, password] of devices) {
    const [site, device] = username.split('/') as [string, string];
    await credentials.addDevice({ site, device }, password);
  }
  await credentials.addService(observer.username, 'core', observer.password);
  await credentials.save();
  const platform = await ServiceProcess.start(
    'platform',
    { PM_DATA_DIR: dataDir, PM_MODELS_DIR: join(repoRoot(), 'models'), MQTT_PORT: '0', HTTP_PORT: '0', SIM_DEVICES: '0', SUMMARY_INTERVAL_MS: '0', LOG_LEVEL: 'warn', FORECAST_INTERVAL_MINUTES: '0' },
    { ready: /MQTT\s+mqtt:\/\/\S+\s+\(port \d+\)/, timeoutMs: 120_000 },
  );
  let stopped = false;
  ctx.cleanup.add('embedded platform', () => platform.stop(20_000));
  const port = Number(/MQTT\s+mqtt:\/\/\S+\s+\(port (\d+)\)/.exec(platform.log)![1]);
  ctx.log(`embedded platform up: MQTT :${port}, data ${dataDir}`);
  return {
    broker: 'embedded',
    port,
    ingestClientId: 'premonitor-ingest',
    observer,
    ingestDisconnects: () => platform.log.split('\n').filter((l) => l.includes('"component":"ingest"') && INGEST_CLOSED.test(l)).length,
    finish: async () => {
      if (!stopped) {
        stopped = true;
        const graceful = await platform.stop(30_000);
        if (!graceful) ctx.log('the platform did not stop within 30 s: killed');
      }
      const db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg') });
      ctx.cleanup.add('PGlite (counting)', () => db.close());
      await migrate(db, {});
      return db;
    },
  };
}
