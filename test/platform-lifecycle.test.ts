// The embedded platform as an operator runs it (`services/platform/dist/main.js`, a child
// process on a temp data folder): one owner per data folder, an honest shutdown, and a folder
// that opens again after the process was killed mid-write — repeatedly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { openDatabase } from '@premonitor/db';
import { NodeProcess } from './support/node-process.js';

const MAIN = 'services/platform/dist/main.js';
const STARTED = /HTTP API\s+(http:\/\/\S+)/;
const TAKEOVER = /took over the data folder lock/;

function platform(dataDir: string, extra: Record<string, string> = {}): NodeProcess {
  return NodeProcess.start(MAIN, {
    PM_DATA_DIR: dataDir,
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    SIM_DEVICES: '3',
    SIM_TELEMETRY_INTERVAL_MS: '20',
    // Frames are not needed here and cost CPU on a shared test machine.
    SIM_ACOUSTIC_INTERVAL_MS: '0',
    SIM_THERMAL_INTERVAL_MS: '0',
    SUMMARY_INTERVAL_MS: '300',
    FORECAST_INTERVAL_MINUTES: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  });
}

/** The latest "readings stored N" of the periodic summary (counts only committed rows). */
function storedSoFar(p: NodeProcess): number {
  const all = [...p.stdout.matchAll(/readings stored (\d+)/g)];
  return all.length ? Number(all.at(-1)![1]) : -1;
}

async function waitForStored(p: NodeProcess, atLeast: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = storedSoFar(p);
    if (n >= atLeast) return n;
    if (Date.now() > deadline) throw new Error(`fewer than ${atLeast} readings stored after ${timeoutMs} ms (last ${n}):\n${p.output.slice(-3_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function countReadings(dataDir: string): Promise<number> {
  const db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg') });
  try {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from readings`.execute(db.db);
    return Number(rows[0]?.n);
  } finally {
    await db.close();
  }
}

async function takenPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function tempFolder(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pm-platform-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a second instance on the same folder is refused before it opens anything; the first runs on and stops cleanly', { timeout: 600_000 }, async (t) => {
  const dir = await tempFolder(t);
  const first = platform(dir);
  t.after(() => first.kill('SIGKILL').then(() => undefined));
  const [, httpUrl] = await first.waitFor(STARTED);
  await waitForStored(first, 1);

  // The sequence of the issue: both ports set to 0 so nothing but the folder is shared.
  const second = platform(dir);
  const refused = await second.exited;
  assert.equal(refused.code, 1, second.output);
  assert.match(second.stderr, new RegExp(`data folder ${dir.replaceAll('/', '\\/')} is in use by another Premonitor \\(pid ${first.pid} on host`));
  assert.match(second.stderr, /serving HTTP http:\/\/127\.0\.0\.1:\d+, MQTT mqtt:\/\/127\.0\.0\.1:\d+/);
  assert.ok(!existsSync(join(dir, 'pg.init')), 'the refused instance created a database');

  // A taken port on another folder: refused before that folder's database exists.
  const port = await takenPort();
  t.after(() => port.close());
  const otherDir = await tempFolder(t);
  const third = platform(otherDir, { MQTT_PORT: String(port.port) });
  assert.equal((await third.exited).code, 1);
  assert.match(third.stderr, new RegExp(`MQTT port ${port.port} on 127\\.0\\.0\\.1 is already in use`));
  assert.ok(!existsSync(join(otherDir, 'pg')) && !existsSync(join(otherDir, 'pg.init')), 'the database was opened before the port check');
  assert.ok(!existsSync(join(otherDir, 'premonitor.lock')), 'the refused start left its lock behind');

  // The first one is unharmed: still storing, still answering.
  const before = storedSoFar(first);
  await waitForStored(first, before + 50);
  assert.equal((await fetch(`${httpUrl}/healthz`)).status, 200);

  const stopped = await first.kill('SIGINT');
  assert.equal(stopped.code, 0, first.output);
  assert.match(first.stdout, /stopped cleanly; data kept for the next start\./);
  assert.doesNotMatch(first.output, /did not stop cleanly|component did not stop/);
  assert.ok(!existsSync(join(dir, 'premonitor.lock')), 'a clean stop releases the lock');
  assert.ok((await countReadings(dir)) >= storedSoFar(first));
});

test('a folder killed mid-write opens again, keeps what was stored, and the dead owner\'s lock is taken over', { timeout: 900_000 }, async (t) => {
  const dir = await tempFolder(t);
  const running = new Set<NodeProcess>();
  t.after(async () => {
    for (const p of running) await p.kill('SIGKILL');
  });

  // Killed early in its very first start (while PGlite creates the database, on most machines).
  const firstEver = platform(dir);
  running.add(firstEver);
  await new Promise((r) => setTimeout(r, 1_500));
  const creating = existsSync(join(dir, 'pg.init'));
  await firstEver.kill('SIGKILL');
  t.diagnostic(`first start killed ${creating ? 'while PGlite was creating the database' : existsSync(join(dir, 'pg')) ? 'after the database existed' : 'before the database was begun'}`);

  let stored = 0;
  const kills = 3;
  for (let round = 1; round <= kills + 1; round++) {
    const p = platform(dir);
    running.add(p);
    await p.waitFor(STARTED);
    // Every round after one that was killed once it ran finds the dead owner's lock.
    if (round >= 2) assert.match(p.stderr, TAKEOVER, `round ${round}`);
    const atStart = await waitForStored(p, 0);
    assert.ok(atStart >= stored, `round ${round}: ${atStart} readings after restart, ${stored} were stored before the kill`);
    stored = await waitForStored(p, atStart + 100);
    if (round <= kills) {
      await p.kill('SIGKILL');
    } else {
      const exit = await p.kill('SIGINT');
      assert.equal(exit.code, 0, p.output);
      stored = storedSoFar(p);
    }
    running.delete(p);
  }
  assert.ok((await countReadings(dir)) >= stored);
});

test('SIGINT ends a platform whose ingest is stuck, within SHUTDOWN_TIMEOUT_MS, and says honestly how it stopped', { timeout: 600_000 }, async (t) => {
  const dir = await tempFolder(t);
  const p = platform(dir, { MQTT_ALLOW_ANONYMOUS: 'true', SHUTDOWN_TIMEOUT_MS: '6000', SIM_DEVICES: '1' });
  t.after(() => p.kill('SIGKILL').then(() => undefined));
  await p.waitFor(STARTED);
  const [, port] = await p.waitFor(/MQTT\s+mqtt:\/\/\S+\s+\(port (\d+)\)/);
  // A status whose agentVersion holds a NUL passes the schema and is refused by the jsonb
  // column: ingest's batch retried it forever (issue 11), so its stop() never returned.
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `pm-poison-${process.pid}` });
  await client.publishAsync('premonitor/v1/demo/poison-1/status', JSON.stringify({ state: 'online', agentVersion: 'a\u0000b' }), { qos: 1 });
  await client.endAsync();
  await waitForStored(p, storedSoFar(p) + 5);

  p.signal('SIGINT');
  // Generous: the platform's own bound is 6 s (+1 s hard timer); without one it never exits.
  const exit = await Promise.race([p.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
  assert.notEqual(exit, 'hung', `still running 60 s after SIGINT:\n${p.output.slice(-3_000)}`);
  if (exit === 'hung') return;
  // Either ingest stops cleanly (poison isolated) or the shutdown names what did not stop.
  if (exit.code === 0) assert.match(p.stdout, /stopped cleanly/);
  else {
    assert.equal(exit.code, 1, p.output);
    assert.match(p.stderr, /did not stop cleanly: .*ingest (timed out|failed)/);
    assert.doesNotMatch(p.stdout, /stopped cleanly/);
  }
});
