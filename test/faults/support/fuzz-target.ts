import { sql } from 'kysely';
import type { DatabaseHandle } from '@premonitor/db';
import type { CaseContext } from '../case.js';
import { CoreStack } from './core-stack.js';
import { JetStreamProbe } from './jetstream-probe.js';
import { PlatformProcess } from './platform-process.js';

/** Where the fuzz case sends, and how it sees what became of the messages. */
export interface FuzzTarget {
  readonly label: string;
  /** The devices' MQTT port. */
  readonly port: number;
  /** publish → telemetry event on the bus of the clean devices, ms; undefined where the bus is in-process. */
  readonly latencies: number[] | undefined;
  pendingAcks(): Promise<number | undefined>;
  crashes(): readonly string[];
  running(): boolean;
  /** SIGTERM with a 15 s deadline; true when ingest (embedded: the platform) left in time. */
  stop(): Promise<boolean>;
  /** The database, once ingest has stopped. */
  database(): Promise<DatabaseHandle>;
  /** How many messages went on: bus subject → count (frames, status, edge alerts), for the subjects it can see. */
  forwarded(site: string): Promise<Map<string, number>>;
  /** Whether `forwarded` can see a subject's messages at all. */
  observes(subject: string): boolean;
}

/** Distributed mode: Mosquitto with the repository's config, ingest as a process, NATS JetStream counted per subject. */
export async function distributedFuzzTarget(ctx: CaseContext, site: string, devices: ReadonlyMap<string, string>, ingestEnv: Readonly<Record<string, string>>): Promise<FuzzTarget> {
  const stack = await CoreStack.start({ deviceAccounts: devices, services: ['ingest'], site, ingestEnv, pgTemplate: ctx.pgTemplate, dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  const probe = await JetStreamProbe.connect(stack.nats.url);
  ctx.cleanup.add('bus probe', () => probe.close());
  const latencies: number[] = [];
  probe.subscribe(`pm.telemetry.${site}.*`, (data) => {
    const event = JSON.parse(Buffer.from(data).toString('utf8')) as { device: string; ts: number };
    if (event.device.startsWith('tele-')) latencies.push(Date.now() - event.ts);
  });
  return {
    label: 'Mosquitto + ingest process',
    port: stack.mosquitto.devicePort,
    latencies,
    pendingAcks: () => stack.ingestPendingAcks(),
    crashes: () => stack.crashes,
    running: () => stack.service('ingest').running,
    stop: () => stack.stopService('ingest', 15_000),
    database: async () => stack.db,
    forwarded: async (s) =>
      new Map([
        ...(await probe.subjectCounts('PM_FRAMES', `pm.frames.*.${s}.*`)),
        ...(await probe.subjectCounts('PM_EVENTS', `pm.status.${s}.*`)),
        ...(await probe.subjectCounts('PM_EVENTS', `pm.edge-alerts.${s}.*`)),
      ]),
    observes: () => true,
  };
}

/**
 * Embedded mode: the platform process (Aedes, PGlite, the in-process bus). Its bus cannot be
 * watched from outside: frames are counted as scored by its inference; status and edge alerts
 * only bound the dead-letter count.
 */
export async function embeddedFuzzTarget(ctx: CaseContext, devices: ReadonlyMap<string, string>, env: Readonly<Record<string, string>>): Promise<FuzzTarget> {
  const platform = await PlatformProcess.start({ devices, env, dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  return {
    label: 'embedded platform',
    port: platform.mqttPort,
    latencies: undefined,
    pendingAcks: () => platform.pendingAcks(),
    crashes: () => platform.crashes,
    running: () => platform.running,
    stop: () => platform.stop(15_000),
    database: () => platform.database(),
    forwarded: async (s) => {
      const db = await platform.database();
      const { rows } = await sql<{ device_id: string; kind: string; n: string }>`
        select device_id, kind, count(distinct seq)::text as n from scores where device_id like ${`${s}/%`} group by device_id, kind`.execute(db.db);
      return new Map(rows.map((r) => [`pm.frames.${r.kind}.${s}.${r.device_id.slice(s.length + 1)}`, Number(r.n)]));
    },
    observes: (subject) => subject.startsWith('pm.frames.'),
  };
}
