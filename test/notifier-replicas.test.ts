// Two notifier processes (services/notifier/dist/main.js, as deployed) share one outbox on the
// real PostgreSQL and one durable on the real NATS; one is killed with SIGKILL mid-run.
//
// What "exactly once" means here, after a crash mid-send: delivery is at-least-once, and every
// request carries the same `Idempotency-Key` whoever sends it, so a receiver that drops keys it
// has seen acts on each alert transition exactly once. The test checks:
//   - every transition reaches the receiver (nothing lost by the kill);
//   - a key arrives twice only if the killed replica sent it before the kill and had not recorded
//     it (its request was in flight), and the second copy came from the survivor after the kill —
//     so the replicas never sent one item at the same time (the outbox lease works);
//   - each transition has exactly one `delivered` row;
//   - the work was shared (both replicas sent some) and each alert's transitions arrived in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { SERVICE_ROLES, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createRoleDatabase, type RoleDatabase } from './support/service-login.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'notifier-replicas', level: 'silent' });
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
const SECRET = 'replica-secret-0123456789';
const ALERTS = 20;
const SEND_CONCURRENCY = 2;
/** The receiver's answer time: requests are in flight whenever the kill lands. */
const ANSWER_MS = 200;

interface Hit {
  readonly key: string;
  /** Which replica sent it: each posts to its own path of the one receiver. */
  readonly replica: 'a' | 'b';
  readonly at: number;
}

describe('two notifier replicas share the outbox; one is killed mid-run', { skip: pg.skip || nats.skip }, () => {
  /** The replicas log in as the notifier's least-privilege role, as deployed. */
  let login: RoleDatabase | undefined;
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let server: Server;
  let dir = '';
  const replicas: NodeProcess[] = [];
  const hits: Hit[] = [];
  /** The receiver's dedupe: keys it has acted on. */
  const seen = new Set<string>();

  before(async () => {
    login = await createRoleDatabase(pg.url!, 'pm_notifier_replicas', SERVICE_ROLES.notifier, logger);
    db = login.db;
    bus = new NatsJetStreamBus({ servers: nats.url!, name: `notifier-replicas-${run}`, logger });
    await bus.start();
    dir = await mkdtemp(join(tmpdir(), 'pm-notifier-replicas-'));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = String(req.headers['idempotency-key']);
        hits.push({ key, replica: req.url === '/hook/a' ? 'a' : 'b', at: Date.now() });
        seen.add(key); // a duplicate is answered 2xx and ignored, as a deduping receiver does
        setTimeout(() => res.end('ok'), ANSWER_MS);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const replica of replicas) await replica.kill('SIGKILL');
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await bus?.stop();
    await login?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startReplica(name: 'a' | 'b', site: string): Promise<NodeProcess> {
    const routingFile = join(dir, `routing-${name}.json`);
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
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/${name}`,
            timeoutMs: 1_000,
            sendConcurrency: SEND_CONCURRENCY,
            rateLimit: { perChannel: { capacity: 1000, refillPerSecond: 1000 }, perDevice: { capacity: 1000, refillPerSecond: 1000 } },
            // Small claims, so both replicas get a share of a burst.
            digest: { threshold: 1000, windowMs: 1000, maxItems: 4 },
          },
        ],
        routes: [{ sites: [site], channels: ['hook'] }],
      }),
    );
    const replica = NodeProcess.start('services/notifier/dist/main.js', {
      NATS_URL: nats.url!,
      DATABASE_URL: login!.loginUrl,
      DATABASE_MIGRATE: 'off',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      NOTIFIER_CONFIG_FILE: routingFile,
      NOTIFIER_DURABLE: `notifier_replicas_${run}`,
      NOTIFIER_DELIVER_POLICY: 'new',
      NOTIFIER_IDLE_POLL_MS: '200',
      NOTIFIER_LEASE_MS: '1000',
      LOG_LEVEL: 'info',
    });
    replicas.push(replica);
    await replica.waitFor(/"msg":"notifier ready"/, 30_000);
    return replica;
  }

  it('delivers every transition, none twice by key except what was in flight at the kill, in order per alert', async () => {
    const site = `replicas-${run}`;
    const [a] = await Promise.all([startReplica('a', site), startReplica('b', site)]);
    const transition = (i: number, to: 'open' | 'resolved'): AlertEvent => ({
      alertId: String(6_000_000 + i), site, device: `d-${i}`, rule: 'gas-leak', severity: 'WARNING', from: to === 'open' ? 'none' : 'open', to,
      ts: Date.now(), count: 1, peakScore: 80, message: 'gas', idempotencyKey: `${run}-${i}-${to}`,
    });
    const opens = Array.from({ length: ALERTS }, (_, i) => transition(i, 'open'));
    const resolves = Array.from({ length: ALERTS }, (_, i) => transition(i, 'resolved'));
    for (const e of opens) await publishEvent(bus, 'alerts', [e.severity, e], e);
    // Every open is queued before its resolve, so the outbox order is the transition order.
    await waitFor('opens queued', async () => (await db.db.selectFrom('notification_outbox').select('id').execute()).length >= ALERTS, 20_000);
    for (const e of resolves) await publishEvent(bus, 'alerts', [e.severity, e], e);
    await waitFor('both replicas under way', () => hits.some((h) => h.replica === 'a') && hits.some((h) => h.replica === 'b') && hits.length >= 8, 20_000);

    await a.kill('SIGKILL');
    const killedAt = Date.now();
    const recorded = await db.db.selectFrom('deliveries').select('idempotency_key').where('status', '=', 'delivered').execute();
    const deliveredBeforeKill = new Set(recorded.map((r) => r.idempotency_key));
    assert.ok(deliveredBeforeKill.size < 2 * ALERTS, `killed mid-run (${deliveredBeforeKill.size} of ${2 * ALERTS} recorded)`);

    const expected = new Set([...opens, ...resolves].map((e) => `${e.idempotencyKey}:hook`));
    await waitFor('every transition received', () => [...expected].every((k) => seen.has(k)), 45_000);
    await waitFor('every delivery recorded', async () => {
      const rows = await db.db.selectFrom('deliveries').select('id').where('status', '=', 'delivered').execute();
      return rows.length >= expected.size;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 1_500)); // nothing more should arrive

    assert.deepEqual(seen, expected, 'nothing lost, nothing unexpected');
    const byKey = new Map<string, Hit[]>();
    for (const h of hits) byKey.set(h.key, [...(byKey.get(h.key) ?? []), h]);
    const twice = [...byKey].filter(([, list]) => list.length > 1);
    for (const [key, list] of twice) {
      assert.equal(list.length, 2, `${key} sent at most twice`);
      const [first, second] = list as [Hit, Hit];
      assert.ok(first.replica === 'a' && first.at <= killedAt && !deliveredBeforeKill.has(key), `${key}: first sent by the killed replica, unrecorded at the kill`);
      assert.ok(second.replica === 'b' && second.at >= killedAt, `${key}: sent again by the survivor, only after the kill`);
    }
    assert.ok(twice.length <= SEND_CONCURRENCY, `${twice.length} re-sent: at most the killed replica's ${SEND_CONCURRENCY} requests in flight`);
    assert.ok(hits.some((h) => h.replica === 'a' && h.at <= killedAt) && hits.some((h) => h.replica === 'b'), 'both replicas delivered');

    const rows = await db.db.selectFrom('deliveries').select('idempotency_key').where('status', '=', 'delivered').execute();
    assert.deepEqual(rows.map((r) => r.idempotency_key).sort(), [...expected].sort(), 'one delivered row per transition');
    for (let i = 0; i < ALERTS; i++) {
      const opened = byKey.get(`${opens[i]!.idempotencyKey}:hook`)![0]!;
      const resolved = byKey.get(`${resolves[i]!.idempotencyKey}:hook`)![0]!;
      assert.ok(opened.at <= resolved.at, `alert ${i}: open went out before resolve`);
    }
    const claims = await db.db.selectFrom('notification_outbox').select('id').where('claimed_by', 'is not', null).execute();
    assert.equal(claims.length, 0, 'no claim outlives a recorded delivery');
    // Run as the service's least-privilege role: nothing it does may have been refused.
    for (const replica of replicas) assert.doesNotMatch(replica.output, /permission denied/);
  });
});
