import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { CredentialStore } from '@premonitor/broker';
import type { DeviceRef } from '@premonitor/contracts';
import { openDatabase } from '@premonitor/db';
import { NodeProcess } from './node-process.js';
import { pgliteTemplate, pgliteTemplateEnv } from './pglite-template.js';

/** `HTTP API  http://…` — printed once the platform has started. */
export const STARTED = /HTTP API\s+(http:\/\/\S+)/;
/** The warning of a start that took over a dead owner's lock. */
export const TAKEOVER = /took over the data folder lock/;

/**
 * `services/platform/dist/main.js` as its own process on `dataDir`: free ports, three simulated
 * devices sending telemetry every 20 ms (no frames: they cost CPU and are not needed), a summary
 * every 300 ms. A first start copies the run's PGlite template unless `initdb` asks for a real
 * initdb (a test of a start killed while creating its database).
 */
export function startPlatform(dataDir: string, extra: Record<string, string> = {}, options: { initdb?: boolean } = {}): NodeProcess {
  return NodeProcess.start('services/platform/dist/main.js', {
    ...(options.initdb ? {} : pgliteTemplateEnv()),
    PM_DATA_DIR: dataDir,
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    SIM_DEVICES: '3',
    SIM_TELEMETRY_INTERVAL_MS: '20',
    SIM_ACOUSTIC_INTERVAL_MS: '0',
    SIM_THERMAL_INTERVAL_MS: '0',
    SUMMARY_INTERVAL_MS: '300',
    FORECAST_INTERVAL_MINUTES: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  });
}

/** The latest "readings stored N" of the periodic summary (it counts committed rows only); -1 before the first. */
export function storedSoFar(p: NodeProcess): number {
  const all = [...p.stdout.matchAll(/readings stored (\d+)/g)];
  return all.length ? Number(all.at(-1)![1]) : -1;
}

/** Waits until the summary reports at least `atLeast` readings; returns the count it saw. */
export async function waitForStored(p: NodeProcess, atLeast: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = storedSoFar(p);
    if (n >= atLeast) return n;
    if (Date.now() > deadline) throw new Error(`fewer than ${atLeast} readings stored after ${timeoutMs} ms (last ${n}):\n${p.output.slice(-3_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens the folder's database directly (no platform running) and counts the readings. */
export async function countReadings(dataDir: string): Promise<number> {
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
  try {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from readings`.execute(db.db);
    return Number(rows[0]?.n);
  } finally {
    await db.close();
  }
}

/** Adds a device account to the folder's credential file, as an operator does before a start. */
export async function addDevice(dataDir: string, ref: DeviceRef, password: string): Promise<void> {
  const credentials = await CredentialStore.load(join(dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
  await credentials.addDevice(ref, password);
  await credentials.save();
}

/** seq of every telemetry message of one device in the folder's database (no platform running). */
export async function storedSeqs(dataDir: string, ref: DeviceRef): Promise<Set<number>> {
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
  try {
    const { rows } = await sql<{ seq: string }>`select seq::text as seq from telemetry where device_id = ${`${ref.site}/${ref.device}`}`.execute(db.db);
    return new Set(rows.map((r) => Number(r.seq)));
  } finally {
    await db.close();
  }
}

/** How many `telemetry` rows each seq of one device has in the folder's database (no platform running). */
export async function storedSeqCounts(dataDir: string, ref: DeviceRef): Promise<Map<number, number>> {
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
  try {
    const { rows } = await sql<{ seq: string; n: string }>`select seq::text as seq, count(*)::text as n from telemetry where device_id = ${`${ref.site}/${ref.device}`} group by seq`.execute(db.db);
    return new Map(rows.map((r) => [Number(r.seq), Number(r.n)]));
  } finally {
    await db.close();
  }
}

/** The MQTT port the platform printed once started. */
export function mqttPortOf(p: NodeProcess): number {
  const port = /MQTT\s+mqtt:\/\/\S+\s+\(port (\d+)\)/.exec(p.output)?.[1];
  if (!port) throw new Error(`no MQTT port printed:\n${p.output.slice(-3_000)}`);
  return Number(port);
}

/** A temp data folder removed after the test. */
export async function tempDataFolder(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pm-platform-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
