// The notifier as its own process (services/notifier/dist/main.js, as deployed), killed with
// SIGKILL while deliveries are in flight, then started again: nothing is lost, and no transition
// goes out twice except the few whose request was in flight at the kill — those are sent again
// under the same idempotency key, so a receiver that drops duplicates by key sees each once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { verifySignature } from '@premonitor/notifier';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const logger = createLogger({ service: 'notifier-kill', level: 'silent' });
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
const SECRET = 'kill-secret-0123456789';
const ALERTS = 24;
const SEND_CONCURRENCY = 4;
const MAIN = fileURLToPath(new URL('../../services/notifier/dist/main.js', import.meta.url));

/** Starts the notifier process and resolves once it logged "notifier ready". */
async function startNotifier(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`notifier not ready after 20 s:\n${log}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('"msg":"notifier ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`notifier exited with ${code}:\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('notifier process killed mid-delivery (SIGKILL) and restarted', { skip: pg.skip || nats.skip }, () => {
  let throwaway: { url: string; drop(): Promise<void> };
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let server: Server;
  let dir = '';
  const children: ChildProcess[] = [];
  /** Every request the receiver got, in arrival order. */
  const hits: { key: string; valid: boolean }[] = [];

  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_notifier_kill');
    db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2 });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    bus = new NatsJetStreamBus({ servers: nats.url!, name: `notifier-kill-${run}`, logger });
    await bus.start();
    dir = await mkdtemp(join(tmpdir(), 'pm-notifier-kill-'));
    // A slow receiver (150 ms per answer), so requests are in flight whenever the kill lands.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = req.headers;
        hits.push({
          key: String(headers['idempotency-key']),
          valid: verifySignature(SECRET, String(headers['x-premonitor-timestamp']), body, String(headers['x-premonitor-signature']), 300),
        });
        setTimeout(() => res.end('ok'), 150);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const child of children) await kill(child);
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await bus?.stop();
    await db?.close();
    await throwaway?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses nothing, re-sends only what was in flight, and always under the same key', async () => {
    const site = `kill-${run}`;
    const routingFile = join(dir, 'routing.json');
    await writeFile(
      routingFile,
      JSON.stringify({
        allowPrivateNetworks: true,
        allowHttp: true,
        channels: [
          {
            name: 'hook',
            type: 'webhook',
            secret: SECRET,
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
            sendConcurrency: SEND_CONCURRENCY,
            rateLimit: { perChannel: { capacity: 1000, refillPerSecond: 1000 }, perDevice: { capacity: 1000, refillPerSecond: 1000 } },
            digest: { threshold: 1000, windowMs: 1000 },
          },
        ],
        routes: [{ sites: [site], channels: ['hook'] }],
      }),
    );
    const env = {
      NATS_URL: nats.url!,
      DATABASE_URL: throwaway.url,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      NOTIFIER_CONFIG_FILE: routingFile,
      NOTIFIER_DURABLE: `notifier_kill_${run}`,
      NOTIFIER_DELIVER_POLICY: 'new',
      NOTIFIER_IDLE_POLL_MS: '200',
      LOG_LEVEL: 'info',
    };
    const first = await startNotifier(env);
    children.push(first);
    const events: AlertEvent[] = Array.from({ length: ALERTS }, (_, i) => ({
      alertId: String(5_000_000 + i), site, device: `d-${i}`, rule: 'gas-leak', severity: 'WARNING', from: 'none', to: 'open',
      ts: Date.now(), count: 1, peakScore: 80, message: 'gas', idempotencyKey: `${run}-${i}`,
    }));
    for (const e of events) await publishEvent(bus, 'alerts', [e.severity, e], e);
    await waitFor('deliveries under way', () => hits.length >= 8, 20_000);
    await kill(first);

    const receivedBeforeKill = new Set(hits.map((h) => h.key));
    const recorded = await db.db.selectFrom('deliveries').select('idempotency_key').where('channel', '=', 'hook').where('status', '=', 'delivered').execute();
    const deliveredBeforeKill = new Set(recorded.map((r) => r.idempotency_key));
    assert.ok(receivedBeforeKill.size < ALERTS, `killed mid-way (${receivedBeforeKill.size} of ${ALERTS} received)`);

    children.push(await startNotifier(env));
    const expected = new Set(events.map((e) => `${e.idempotencyKey}:hook`));
    await waitFor('every transition received', () => [...expected].every((k) => hits.some((h) => h.key === k)), 45_000);
    await waitFor('every delivery recorded', async () => {
      const rows = await db.db.selectFrom('deliveries').select('idempotency_key').where('channel', '=', 'hook').where('status', '=', 'delivered').execute();
      return rows.length >= ALERTS;
    });
    await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive

    assert.deepEqual(new Set(hits.map((h) => h.key)), expected, 'nothing lost, nothing unexpected');
    assert.ok(hits.every((h) => h.valid), 'every request signed');
    const counts = new Map<string, number>();
    for (const h of hits) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
    for (const key of twice) {
      assert.equal(counts.get(key), 2, `${key} sent at most twice`);
      assert.ok(receivedBeforeKill.has(key) && !deliveredBeforeKill.has(key), `${key} was sent again only because its request was in flight at the kill`);
    }
    assert.ok(twice.length <= SEND_CONCURRENCY, `${twice.length} re-sent: at most the ${SEND_CONCURRENCY} requests in flight`);
    for (const key of deliveredBeforeKill) assert.equal(counts.get(key), 1, `${key} was recorded as delivered before the kill and never sent again`);
    const rows = await db.db.selectFrom('deliveries').select(['idempotency_key']).where('channel', '=', 'hook').where('status', '=', 'delivered').execute();
    assert.deepEqual(rows.map((r) => r.idempotency_key).sort(), [...expected].sort(), 'one delivered row per transition');
  });
});
