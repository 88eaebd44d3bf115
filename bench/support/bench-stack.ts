import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { sql } from 'kysely';
import { CredentialStore, EmbeddedBroker, deviceUsername } from '@premonitor/broker';
import { MosquittoProcess } from '@premonitor/broker/mosquitto-process';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { busSubjects, coreClientId, type DeviceRef } from '@premonitor/contracts';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { type Cleanup, ScratchDatabase } from '@premonitor/testkit';
import type { ProcessGroup } from './cpu-meter.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

/** Everything a bench run talks to, whichever mode built it. */
export interface BenchStack {
  readonly mode: 'distributed' | 'embedded';
  /** Where devices connect: Mosquitto's device listener, or Aedes. */
  readonly device: { readonly host: string; readonly port: number; readonly url: string };
  /** Where core clients (ingest, the ceiling subscriber) connect: Mosquitto's core listener, or Aedes. */
  readonly coreUrl: string;
  /** Protocol of the core subscribers: 5 on Mosquitto (Receive Maximum), 4 on Aedes. */
  readonly protocolVersion: 4 | 5;
  /** The core account (role ingest) ingest and the ceiling subscriber log in with. */
  readonly core: { readonly username: string; readonly password: string };
  /** A client id the core account may use, one per `name` (each core client keeps its own session). */
  coreClientId(name: string): string;
  readonly devices: readonly { readonly ref: DeviceRef; readonly username: string; readonly password: string }[];
  readonly db: DatabaseHandle;
  /** The scratch database's URL, for services run as their own processes (distributed mode only). */
  readonly databaseUrl?: string;
  readonly bus: Bus;
  /** Components for the CPU report, besides this process and the publishers. */
  readonly cpuGroups: ReadonlyMap<string, ProcessGroup>;
  /** What this process hosts besides ingest (for the CPU report label). */
  readonly inProcess: string;
  /** Mosquitto's "Outgoing messages are being dropped" lines; undefined for Aedes (which never drops). */
  dropWarnings(): number | undefined;
}

export interface StackOptions {
  readonly site: string;
  readonly publishers: number;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** `memory`: the in-process bus instead of NATS (a diagnostic, to isolate JetStream's share). */
  readonly bus: 'nats' | 'memory';
  readonly logger: Logger;
  readonly cleanup: Cleanup;
}

const CORE_USERNAME = 'ingest';

function password(): string {
  return randomBytes(16).toString('hex');
}

function benchDevices(site: string, count: number): BenchStack['devices'] {
  return Array.from({ length: count }, (_, i) => {
    const ref = { site, device: `dev-${String(i + 1).padStart(3, '0')}` };
    return { ref, username: deviceUsername(ref), password: password() };
  });
}

/**
 * Distributed mode: a private Mosquitto with the project's config (auth and ACL on), NATS
 * JetStream at `natsUrl`, and a throwaway PostgreSQL database. Every piece is torn down by
 * `cleanup`, including the bench's subjects in the shared PM_TELEMETRY stream.
 */
export async function distributedStack(options: StackOptions): Promise<BenchStack> {
  const { site, logger, cleanup } = options;
  const core = { username: CORE_USERNAME, password: password() };
  const devices = benchDevices(site, options.publishers);
  const mosquitto = await MosquittoProcess.start({
    devices: new Map(devices.map((d) => [d.username, d.password])),
    core: [{ ...core, role: 'ingest' }],
  });
  cleanup.add('mosquitto', () => mosquitto.stop());

  const scratch = await ScratchDatabase.create(options.databaseUrl, logger, 10, PLATFORM_SCHEMA);
  cleanup.add(`database ${scratch.name}`, () => scratch.drop());

  let bus: Bus;
  if (options.bus === 'memory') {
    bus = new InProcessBus({ logger });
    await bus.start();
    cleanup.add('in-process bus', () => bus.stop());
  } else {
    const nats = (bus = new NatsJetStreamBus({ servers: options.natsUrl, name: 'pm-bench-ingest', logger }));
    await nats.start();
    cleanup.add('bench subjects in PM_TELEMETRY', () => purgeSite(options.natsUrl, site));
    cleanup.add('NATS bus', () => nats.stop());
  }

  return {
    mode: 'distributed',
    device: { host: '127.0.0.1', port: mosquitto.devicePort, url: mosquitto.deviceUrl },
    coreUrl: mosquitto.coreUrl,
    protocolVersion: 5,
    core,
    coreClientId: (name) => coreClientId(core.username, name),
    devices,
    db: scratch.handle,
    databaseUrl: scratch.url,
    bus,
    cpuGroups: new Map<string, ProcessGroup>([
      ['mosquitto', { pids: mosquitto.pid ? [mosquitto.pid] : [] }],
      ['nats-server', { comm: 'nats-server' }],
      // This database's backends plus the server's own workers (WAL writer, checkpointer…), not other databases' sessions.
      ['postgres', { resolve: () => postgresPids(scratch.handle, scratch.name) }],
    ]),
    inProcess: 'ingest',
    dropWarnings: () => mosquitto.dropWarnings,
  };
}

/** Embedded mode: Aedes on an ephemeral port, the in-process bus and PGlite in a temp dir — all in this process. */
export async function embeddedStack(options: StackOptions): Promise<BenchStack> {
  const { site, logger, cleanup } = options;
  const core = { username: CORE_USERNAME, password: password() };
  const devices = benchDevices(site, options.publishers);

  const dataDir = await mkdtemp(join(tmpdir(), 'pm-bench-pglite-'));
  cleanup.add('PGlite dir', () => rm(dataDir, { recursive: true, force: true }));
  const db = await openDatabase({ kind: 'pglite', dataDir, logger });
  cleanup.add('PGlite', () => db.close());
  await migrate(db, { logger, schema: PLATFORM_SCHEMA });

  // Cheap scrypt: hashing only costs at CONNECT, and the bench measures messages, not logins.
  const credentials = CredentialStore.inMemory({ scrypt: { N: 1024, r: 8, p: 1 } });
  await credentials.addService(core.username, 'ingest', core.password);
  for (const d of devices) await credentials.addDevice(d.ref, d.password);
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, credentials, logger });
  await broker.start();
  cleanup.add('embedded broker', () => broker.stop());

  const bus = new InProcessBus({ logger });
  await bus.start();
  cleanup.add('in-process bus', () => bus.stop());

  return {
    mode: 'embedded',
    device: { host: '127.0.0.1', port: broker.port, url: broker.url },
    coreUrl: broker.url,
    protocolVersion: 4,
    core,
    coreClientId: (name) => coreClientId(core.username, name),
    devices,
    db,
    bus,
    cpuGroups: new Map(),
    inProcess: 'ingest+aedes+pglite',
    dropWarnings: () => undefined,
  };
}

async function postgresPids(db: DatabaseHandle, name: string): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where datname = ${name} or backend_type <> 'client backend'`.execute(db.db);
  return rows.map((r) => Number(r.pid));
}

/** Removes the bench's telemetry events from the shared stream, so a run leaves no 100 MB behind. */
async function purgeSite(natsUrl: string, site: string): Promise<void> {
  const nc = await natsConnect({ servers: natsUrl.split(','), name: 'pm-bench-cleanup' });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.purge(busSubjects.telemetry.stream, { filter: `pm.telemetry.${site}.>` });
  } finally {
    await nc.close();
  }
}
