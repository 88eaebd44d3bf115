// The notifier as main.ts wires it — NATS JetStream and a real PostgreSQL — delivering to a real
// local receiver, stopped mid-way and restarted: every transition arrives, none twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { Notifier, parseRoutingSettings, verifySignature } from '@premonitor/notifier';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const logger = createLogger({ service: 'notifier-real', level: 'silent' });
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
const SECRET = 'real-secret-0123456789';

describe('notifier on NATS JetStream + PostgreSQL', { skip: pg.skip || nats.skip }, () => {
  let throwaway: { url: string; drop(): Promise<void> };
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let server: Server;
  const hits: { key: string; ok: boolean; valid: boolean }[] = [];

  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_notifier');
    db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 4 });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    bus = new NatsJetStreamBus({ servers: nats.url!, name: `notifier-test-${run}`, logger });
    await bus.start();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const hit = { key: String(req.headers['idempotency-key']), ok: false, valid: verifySignature(SECRET, String(req.headers['x-premonitor-timestamp']), body, String(req.headers['x-premonitor-signature']), 300) };
        hits.push(hit);
        setTimeout(() => res.end('ok', () => (hit.ok = true)), 40);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await bus?.stop();
    await db?.close();
    await throwaway?.drop();
  });

  it('delivers every transition exactly once under its key across a restart', async () => {
    const site = `site-${run}`;
    const routing = parseRoutingSettings({
      allowPrivateNetworks: true,
      allowHttp: true,
      channels: [{ name: 'hook', type: 'webhook', secret: SECRET, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, rateLimit: { perDevice: { capacity: 100, refillPerSecond: 100 } } }],
      // Only this run's site: the stream may hold alerts of earlier runs.
      routes: [{ sites: [site], channels: ['hook'] }],
    });
    const settings = { routing, durable: `notifier-${run}`, idlePollMs: 100 };
    const events: AlertEvent[] = Array.from({ length: 10 }, (_, i) => ({
      alertId: String(1_000_000 + i), site, device: `d-${i}`, rule: 'thermal-high', severity: 'WARNING', from: 'none', to: 'open',
      ts: Date.now(), count: 1, peakScore: 0.7, message: 'hot', idempotencyKey: `${run}-${i}`,
    }));
    let notifier = new Notifier(settings, { db, bus, logger, registry: createRegistry('n1', false) });
    await notifier.start();
    for (const e of events) await publishEvent(bus, 'alerts', [e.severity, e], e);
    await waitFor('first deliveries', () => hits.length >= 3, 20_000);
    await notifier.stop(5_000);
    notifier = new Notifier(settings, { db, bus, logger, registry: createRegistry('n2', false) });
    await notifier.start();
    try {
      await waitFor('all delivered', () => hits.filter((h) => h.ok).length >= 10, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(hits.length, 10, 'nothing sent twice');
      assert.deepEqual(new Set(hits.map((h) => h.key)), new Set(events.map((e) => `${e.idempotencyKey}:hook`)));
      assert.ok(hits.every((h) => h.valid), 'every signature verifies');
      const rows = await db.db.selectFrom('deliveries').select(['status']).where('channel', '=', 'hook').execute();
      assert.equal(rows.filter((r) => r.status === 'delivered').length, 10);
    } finally {
      await notifier.stop();
    }
  });
});
