import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreClientId } from '@premonitor/contracts';
import type { DatabaseHandle } from '@premonitor/db';
import type { CaseContext } from '../case.js';
import { countStore } from './store-counts.js';
import { CoreStack, INGEST_ACCOUNT, INGEST_CLIENT_ID, metric } from './core-stack.js';
import { PlatformProcess } from './platform-process.js';

/** A login. */
export interface Account {
  readonly username: string;
  readonly password: string;
}

/** A login with the client id it may use. */
export interface CoreLogin extends Account {
  readonly clientId: string;
}

/** A broker with ingest behind it, as the hostile scenarios see it. */
export interface HostileTarget {
  /** `mosquitto` (distributed mode) or `embedded` (Aedes in the platform process). */
  readonly broker: 'mosquitto' | 'embedded';
  /** The port devices connect to. */
  readonly port: number;
  /** Mosquitto's core listener (the embedded broker has one port for all). */
  readonly corePort?: number;
  /** The client id ingest holds its session under. */
  readonly ingestClientId: string;
  /** A core account that may read every device topic, to see what the broker retained. */
  readonly observer: CoreLogin;
  /** Times ingest lost its MQTT connection so far. */
  ingestDisconnects(): number;
  /** Wrong passwords the broker actually checked so far (not refused unchecked by a lockout); undefined when it cannot tell. */
  checkedWrongLogins(): Promise<number | undefined>;
  /**
   * Ends the run and opens the database for counting. `expected` is the `device#seq#ts` of every
   * reading the broker acknowledged: Mosquitto keeps what it has not yet handed to ingest in
   * ingest's session, so ingest is stopped only once those are stored or nothing moves for 5 s
   * (a reading lost for good never arrives). The embedded platform waits for ingest itself on
   * SIGTERM and must stop before its database can be read.
   */
  finish(expected: ReadonlySet<string>): Promise<DatabaseHandle>;
}

const INGEST_CLOSED = /"msg":"MQTT connection closed; reconnecting"/;

/** Distributed mode: the private Mosquitto with the repository's config, and ingest as its own process. */
export async function mosquittoTarget(ctx: CaseContext, site: string, devices: ReadonlyMap<string, string>): Promise<HostileTarget> {
  const stack = await CoreStack.start({ deviceAccounts: devices, services: ['ingest'], site, pgTemplate: ctx.pgTemplate, dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  return {
    broker: 'mosquitto',
    port: stack.mosquitto.devicePort,
    corePort: stack.mosquitto.corePort,
    ingestClientId: INGEST_CLIENT_ID,
    // Ingest's own account as another replica: a second core login, as an operator's tool would use.
    observer: { username: INGEST_ACCOUNT, password: stack.ingestPassword, clientId: coreClientId(INGEST_ACCOUNT, 'observer') },
    ingestDisconnects: () => [...stack.services.values()].reduce((n, s) => n + s.log.split('\n').filter((l) => INGEST_CLOSED.test(l)).length, 0),
    checkedWrongLogins: async () => undefined,
    finish: async (expected) => {
      const drained = await waitForStored(stack.db, site, expected);
      ctx.log(`drain: ${drained}`);
      await stack.stopService('ingest');
      return stack.db;
    },
  };
}

/** Embedded mode: the platform process, with the devices and an observer (role core) in its credential file. */
export async function embeddedTarget(ctx: CaseContext, devices: ReadonlyMap<string, string>): Promise<HostileTarget> {
  const observer = { username: 'faults-observer', password: randomBytes(16).toString('hex'), clientId: coreClientId('faults-observer') };
  const platform = await PlatformProcess.start({ devices, services: new Map([[observer.username, observer.password]]), dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  return {
    broker: 'embedded',
    port: platform.mqttPort,
    ingestClientId: INGEST_CLIENT_ID,
    observer,
    ingestDisconnects: () => platform.ingestDisconnects(),
    checkedWrongLogins: () => metric(platform.httpPort, 'pm_broker_auth_failures_total'),
    finish: () => platform.database(),
  };
}

/** Polls the store until every expected reading is there, or the count stops moving for 5 s (at most 60 s); says which. */
async function waitForStored(db: DatabaseHandle, site: string, expected: ReadonlySet<string>): Promise<string> {
  const started = Date.now();
  let last = -1;
  let stableSince = started;
  for (;;) {
    const stored = (await countStore(db, site)).telemetry;
    let missing = 0;
    for (const key of expected) if (!stored.has(key)) missing++;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (missing === 0) return `every acknowledged reading stored after ${seconds} s`;
    if (missing !== last) {
      last = missing;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 5_000 || Date.now() - started > 60_000) {
      return `${missing} acknowledged readings still missing after ${seconds} s`;
    }
    await sleep(250);
  }
}
