// The notifier against a real local HTTP receiver (node:http on 127.0.0.1), the in-process bus
// and PGlite: signing, retries, Retry-After, the breaker, dead letters, restarts, SSRF, storms.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '@premonitor/contracts';
import { InProcessBus, publishEvent } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Notifier, NotifierConfigError, UnsafeUrlError, assertPublicUrl, parseRoutingSettings, verifySignature, type RoutingFile } from '@premonitor/notifier';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'notifier-test', level: 'silent' });
const run = randomBytes(3).toString('hex');
const SECRET = 'test-secret-0123456789';

interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** True once a 2xx answer was fully sent. */
  answered: boolean;
}
type Reply = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** A real webhook receiver; `reply` decides each answer. */
class Receiver {
  readonly hits: Hit[] = [];
  reply: (hit: Hit) => Reply = () => ({ status: 200 });
  /** The time stamped on each hit: the wall clock, or the notifier's manual clock in tests that drive one. */
  now: () => number = Date.now;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hit: Hit = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: this.now(), answered: false };
        this.hits.push(hit);
        const reply = this.reply(hit);
        if (reply === 'hang') return;
        setTimeout(() => {
          res.writeHead(reply.status, reply.headers);
          res.end('ok', () => {
            hit.answered = reply.status < 300;
          });
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  on(path: string): Hit[] {
    return this.hits.filter((h) => h.path === path);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((r) => this.#server?.close(r));
  }
}

let seq = 0;
function alert(over: Partial<AlertEvent> = {}): AlertEvent {
  seq++;
  return {
    alertId: `a${seq}`,
    site: 'plant-1',
    device: 'pump-1',
    rule: 'acoustic-high',
    severity: 'CRITICAL',
    from: 'none',
    to: 'open',
    ts: Date.now(),
    count: 1,
    peakScore: 0.93,
    message: 'bearing noise',
    idempotencyKey: `k-${run}-${seq}`,
    ...over,
  };
}

const fast = { backoff: { baseMs: 20, maxMs: 100 }, timeoutMs: 1_000, rateLimit: { perChannel: { capacity: 1000, refillPerSecond: 1000 }, perDevice: { capacity: 1000, refillPerSecond: 1000 } } };

function routing(receiver: Receiver, channels: Array<Record<string, unknown> & { name: string }>): RoutingFile {
  return {
    allowPrivateNetworks: true,
    allowHttp: true,
    defaults: fast,
    channels: channels.map((c) => ({ type: 'webhook', url: `${receiver.url}/${c.name}`, ...(c.type ? {} : { secret: SECRET }), ...c })) as RoutingFile['channels'],
    routes: [{ channels: channels.map((c) => c.name) }],
  };
}

describe('notifier (in-process bus, PGlite, real HTTP receiver)', () => {
  let dir = '';
  let db: DatabaseHandle;
  const receiver = new Receiver();
  const buses = new Set<InProcessBus>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-notifier-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    await receiver.start();
  });
  after(async () => {
    for (const bus of buses) await bus.stop();
    await receiver.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(file: RoutingFile, bus = new InProcessBus(), clock?: ManualClock): Promise<{ notifier: Notifier; bus: InProcessBus }> {
    buses.add(bus);
    await bus.start();
    const notifier = new Notifier({ routing: parseRoutingSettings(file), idlePollMs: 100 }, { db, bus, logger, registry: createRegistry('test', false), ...(clock ? { clock } : {}) });
    await notifier.start();
    return { notifier, bus };
  }
  const publish = (bus: InProcessBus, event: AlertEvent) => publishEvent(bus, 'alerts', [event.severity, { site: event.site, device: event.device }], event);
  const rows = (key: string) => db.db.selectFrom('deliveries').selectAll().where('idempotency_key', '=', key).orderBy('id').execute();

  it('signs the generic webhook so verifySignature accepts it, and formats Discord and Slack bodies', async () => {
    const file = routing(receiver, [{ name: `hook-${run}` }, { name: `disc-${run}`, type: 'discord' }, { name: `slack-${run}`, type: 'slack' }]);
    const { notifier, bus } = await start(file);
    try {
      const event = alert();
      await publish(bus, event);
      await waitFor('three deliveries', () => receiver.hits.filter((h) => String(h.headers['idempotency-key'] ?? '').startsWith(event.idempotencyKey)).length === 3);
      const [hook] = receiver.on(`/hook-${run}`);
      assert.ok(hook);
      const ts = String(hook.headers['x-premonitor-timestamp']);
      const sig = String(hook.headers['x-premonitor-signature']);
      assert.match(sig, /^sha256=[0-9a-f]{64}$/);
      assert.equal(verifySignature(SECRET, ts, hook.body, sig, 300), true);
      assert.equal(verifySignature(SECRET, ts, hook.body.replace('bearing', 'Bearing'), sig, 300), false, 'tampered body');
      assert.equal(verifySignature('another-secret-0123456', ts, hook.body, sig, 300), false, 'wrong secret');
      assert.equal(verifySignature(SECRET, ts, hook.body, sig, 300, (Number(ts) + 301) * 1000), false, 'replay outside tolerance');
      assert.equal(hook.headers['idempotency-key'], `${event.idempotencyKey}:hook-${run}`);
      assert.deepEqual(JSON.parse(hook.body).alert, event);
      const discord = JSON.parse(receiver.on(`/disc-${run}`)[0]!.body) as { content: string; embeds: unknown[] };
      assert.match(discord.content, /\[CRITICAL\] acoustic-high on plant-1\/pump-1 is open: bearing noise/);
      assert.equal(discord.embeds.length, 1);
      const slack = JSON.parse(receiver.on(`/slack-${run}`)[0]!.body) as { text: string; blocks: unknown[] };
      assert.ok(slack.text.includes('acoustic-high') && slack.blocks.length === 2);
      const recorded = await waitFor('delivery row', async () => ((await rows(`${event.idempotencyKey}:hook-${run}`))[0]?.status === 'delivered' ? rows(`${event.idempotencyKey}:hook-${run}`) : undefined));
      assert.equal(recorded[0]!.status_code, 200);
      assert.ok(recorded[0]!.latency_ms !== null);
    } finally {
      await notifier.stop();
    }
  });

  it('retries after a 500 and a timeout with backoff, recording every attempt, then delivers once', async () => {
    const name = `retry-${run}`;
    let n = 0;
    receiver.reply = (hit) => (hit.path !== `/${name}` ? { status: 200 } : ++n === 1 ? { status: 500 } : n === 2 ? 'hang' : { status: 200 });
    // 1 s, not less: the in-process PGlite runs its queries on this event loop, and on a loaded
    // machine a stall of a few hundred ms timed out answered requests (the hang never answers).
    const { notifier, bus } = await start(routing(receiver, [{ name, timeoutMs: 1_000 }]));
    try {
      const event = alert();
      await publish(bus, event);
      const key = `${event.idempotencyKey}:${name}`;
      const attempts = await waitFor('three attempts recorded', async () => {
        const r = await rows(key);
        return r.length === 3 ? r : undefined;
      });
      assert.deepEqual(attempts.map((a) => [a.attempt, a.status, a.status_code]), [[1, 'failed', 500], [2, 'failed', null], [3, 'delivered', 200]]);
      assert.match(attempts[1]!.error ?? '', /timed out/);
      assert.equal(receiver.on(`/${name}`).filter((h) => h.answered).length, 1);
      assert.ok(receiver.on(`/${name}`).every((h) => h.headers['idempotency-key'] === key), 'same key on every attempt');
    } finally {
      receiver.reply = () => ({ status: 200 });
      await notifier.stop();
    }
  });

  it('honours 429 Retry-After before trying again', async () => {
    const name = `throttle-${run}`;
    let n = 0;
    receiver.reply = (hit) => (hit.path === `/${name}` && ++n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    const { notifier, bus } = await start(routing(receiver, [{ name }]));
    try {
      await publish(bus, alert());
      await waitFor('second attempt', () => receiver.on(`/${name}`).length === 2, 5_000);
      const [first, second] = receiver.on(`/${name}`);
      assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms (backoff alone would be ~20 ms)`);
    } finally {
      receiver.reply = () => ({ status: 200 });
      await notifier.stop();
    }
  });

  it('dead-letters after the maximum attempts and re-sends through the API', async () => {
    const name = `dead-${run}`;
    let healthy = false;
    receiver.reply = (hit) => (hit.path === `/${name}` && !healthy ? { status: 503 } : { status: 200 });
    const { notifier, bus } = await start(routing(receiver, [{ name, maxAttempts: 3 }]));
    const http = new HttpServer({ logger, registry: createRegistry('test-http', false), readiness: notifier.readiness, routers: [{ path: '/api/v1', router: notifier.router }], portSetting: 'HTTP_PORT' });
    const api = `http://127.0.0.1:${await http.start(0)}/api/v1/notifications/dead-letters`;
    try {
      const event = alert();
      await publish(bus, event);
      const list = await waitFor('dead letter listed', async () => {
        const body = (await (await fetch(`${api}?channel=${name}`)).json()) as { items: Array<{ id: number; attempts: number; idempotencyKey: string; lastError: string }> };
        return body.items.length === 1 ? body.items : undefined;
      });
      assert.equal(list[0]!.attempts, 3);
      assert.equal(list[0]!.idempotencyKey, event.idempotencyKey);
      assert.match(list[0]!.lastError, /503/);
      const statuses = (await rows(`${event.idempotencyKey}:${name}`)).map((r) => r.status);
      assert.deepEqual(statuses, ['failed', 'failed', 'dead']);
      assert.equal((await fetch(`${api}/999999/resend`, { method: 'POST' })).status, 404);
      assert.equal((await fetch(`${api}/abc/resend`, { method: 'POST' })).status, 400);
      healthy = true;
      const resent = await fetch(`${api}/${list[0]!.id}/resend`, { method: 'POST' });
      assert.equal(resent.status, 202);
      assert.equal((await fetch(`${api}/${list[0]!.id}/resend`, { method: 'POST' })).status, 409, 'no longer dead');
      await waitFor('delivered after resend', () => receiver.on(`/${name}`).some((h) => h.answered));
      const after = await waitFor('row', async () => ((await rows(`${event.idempotencyKey}:${name}`)).some((r) => r.status === 'delivered') ? true : undefined));
      assert.ok(after);
    } finally {
      receiver.reply = () => ({ status: 200 });
      await http.stop();
      await notifier.stop();
    }
  });

  it('opens the breaker of a dead endpoint without slowing another channel, and closes it again', async () => {
    const dead = `down-${run}`;
    const healthy = `up-${run}`;
    let down = true;
    receiver.reply = (hit) => (hit.path === `/${dead}` && down ? { status: 500 } : { status: 200 });
    const breaker = { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 600, rollingWindowMs: 10_000 };
    const { notifier, bus } = await start(routing(receiver, [{ name: dead, maxAttempts: 50, backoff: { baseMs: 5, maxMs: 10 }, breaker }, { name: healthy }]));
    try {
      const events = Array.from({ length: 5 }, (_, i) => alert({ device: `pump-${i}` }));
      for (const e of events) await publish(bus, e);
      await waitFor('healthy channel delivered everything', () => receiver.on(`/${healthy}`).filter((h) => h.answered).length === 5);
      // Not held back, stated without a clock: the healthy channel finished while every delivery to
      // the dead endpoint was still being retried (50 attempts each), none given up or delivered.
      const deadRows = (await Promise.all(events.map((e) => rows(`${e.idempotencyKey}:${dead}`)))).flat();
      assert.deepEqual(deadRows.filter((r) => r.status === 'dead' || r.status === 'delivered'), [], 'the healthy channel waited for the dead endpoint');
      await new Promise((r) => setTimeout(r, 400));
      // Without the breaker, 5–10 ms backoff would have produced dozens of requests by now.
      assert.ok(receiver.on(`/${dead}`).length <= 3, `breaker open: only ${receiver.on(`/${dead}`).length} requests reached the dead endpoint`);
      down = false;
      await waitFor('dead endpoint recovered (half-open trial, then closed)', () => new Set(receiver.on(`/${dead}`).filter((h) => h.answered).map((h) => h.headers['idempotency-key'])).size === 5, 5_000);
      assert.equal(receiver.on(`/${dead}`).filter((h) => h.answered).length, 5, 'each transition answered once');
    } finally {
      receiver.reply = () => ({ status: 200 });
      await notifier.stop();
    }
  });

  it('loses nothing and sends nothing twice under one key across a stop mid-delivery and a restart', async () => {
    const name = `restart-${run}`;
    receiver.reply = (hit) => (hit.path === `/${name}` ? { status: 200, delayMs: 60 } : { status: 200 });
    const bus = new InProcessBus();
    const file = routing(receiver, [{ name }]);
    const first = await start(file, bus);
    const events = Array.from({ length: 12 }, (_, i) => alert({ device: `fan-${i}` }));
    for (const e of events) await publish(bus, e);
    await waitFor('some deliveries under way', () => receiver.on(`/${name}`).length >= 3);
    await first.notifier.stop(5_000);
    const before = receiver.on(`/${name}`).length;
    assert.ok(before < 12, 'stopped mid-way');
    // The bus redelivers an alert already queued or sent: both must be no-ops.
    await publish(bus, events[0]!);
    await publish(bus, events[11]!);
    const second = await start(file, bus);
    try {
      await waitFor('all delivered after restart', () => receiver.on(`/${name}`).filter((h) => h.answered).length >= 12);
      await new Promise((r) => setTimeout(r, 200));
      const keys = receiver.on(`/${name}`).map((h) => String(h.headers['idempotency-key']));
      assert.equal(keys.length, 12, 'no request sent twice');
      assert.deepEqual(new Set(keys), new Set(events.map((e) => `${e.idempotencyKey}:${name}`)));
    } finally {
      receiver.reply = () => ({ status: 200 });
      await second.notifier.stop();
    }
  });

  it('rate-limits per device and folds a storm into one digest, covering every alert once', async () => {
    const limited = `perdev-${run}`;
    const stormy = `storm-${run}`;
    const file = routing(receiver, [
      { name: limited, rateLimit: { perChannel: { capacity: 100, refillPerSecond: 100 } , perDevice: { capacity: 2, refillPerSecond: 4 } }, digest: { threshold: 100, windowMs: 1_000 } },
      { name: stormy, digest: { threshold: 3, windowMs: 300 } },
    ]);
    file.routes = [{ sites: ['plant-1'], channels: [limited] }, { sites: ['plant-2'], channels: [stormy] }];
    // Rate limits and digest windows run on the notifier's clock: this one moves only when the
    // test moves it, so a slow machine cannot stretch a window or refill a bucket early.
    const clock = new ManualClock(Date.now());
    receiver.now = () => clock.now();
    const { notifier, bus } = await start(file, new InProcessBus(), clock);
    try {
      for (let i = 0; i < 3; i++) await publish(bus, alert({ device: 'noisy' }));
      await waitFor('two per-device deliveries', () => receiver.on(`/${limited}`).length === 2);
      assert.equal(receiver.on(`/${limited}`).length, 2, 'the third waits for a device token: it cannot go before the clock moves');
      await advanceUntil(clock, 'the third per-device delivery', () => receiver.on(`/${limited}`).length === 3);
      const [a, b, c] = receiver.on(`/${limited}`);
      assert.equal(b!.at, a!.at, 'burst of two: both sent at once');
      assert.ok(c!.at - a!.at >= 250, `third waited for a device token (${c!.at - a!.at} ms; refill 4/s)`);

      const storm = Array.from({ length: 10 }, (_, i) => alert({ site: 'plant-2', device: `m-${i}` }));
      for (const e of storm) await publish(bus, e);
      const delivered = () => db.db.selectFrom('deliveries').select(['idempotency_key', 'payload']).where('channel', '=', stormy).where('status', '=', 'delivered').execute();
      await advanceUntil(clock, 'every storm alert delivered', async () => (await delivered()).length === 10);
      const covered = await delivered();
      assert.equal(new Set(covered.map((r) => r.idempotency_key)).size, 10);
      const bodies = receiver.on(`/${stormy}`).map((h) => JSON.parse(h.body) as { type: string; alerts?: unknown[] });
      const digests = bodies.filter((x) => x.type === 'digest');
      assert.ok(digests.length >= 1, 'a digest was sent');
      assert.ok(bodies.filter((x) => x.type === 'alert').length <= 4, 'only the first alerts went out one by one');
      assert.equal(bodies.reduce((sum, x) => sum + (x.type === 'digest' ? x.alerts!.length : 1), 0), 10);
    } finally {
      receiver.now = Date.now;
      await notifier.stop();
    }
  });
  it('refuses to start when a webhook host resolves to a private address', async () => {
    const bus = new InProcessBus();
    await bus.start();
    const file = { channels: [{ name: 'internal', type: 'slack', url: 'https://internal.example.com/hook' }], routes: [{ channels: ['internal'] }] };
    const notifier = new Notifier({ routing: parseRoutingSettings(file) }, { db, bus, logger, registry: createRegistry('ssrf', false), resolve: async () => [{ address: '192.168.1.20', family: 4 }] });
    await assert.rejects(notifier.start(), (err: unknown) => err instanceof UnsafeUrlError && /192\.168\.1\.20/.test(err.message));
    await notifier.stop();
    await bus.stop();
  });
});

/**
 * Moves `clock` 10 ms at a time, letting the notifier's real I/O (database, HTTP) run in
 * between, until `done` holds. Bounded by steps of the clock, not by the wall clock: a slow
 * machine only makes it take longer.
 */
async function advanceUntil(clock: ManualClock, what: string, done: () => boolean | Promise<boolean>, maxClockMs = 10_000): Promise<void> {
  for (let advanced = 0; !(await done()); advanced += 10) {
    if (advanced >= maxClockMs) throw new Error(`${what}: not done after ${maxClockMs} ms on the manual clock`);
    clock.advance(10);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('notifier SSRF guard', () => {
  const base = { channels: [{ name: 'x', type: 'slack', url: '' }], routes: [{ channels: ['x'] }] };
  const withUrl = (url: string, extra: object = {}) => ({ ...base, ...extra, channels: [{ ...base.channels[0], url }] });

  it('refuses plain http, loopback, private and link-local literals unless allowed', () => {
    for (const [url, why] of [
      ['http://hooks.example.com/x', /https/],
      ['https://127.0.0.1/x', /non-public/],
      ['https://10.1.2.3/x', /non-public/],
      ['https://169.254.169.254/latest', /non-public/],
      ['https://[::1]/x', /non-public/],
      ['https://[fe80::1]/x', /non-public/],
      ['https://[::ffff:192.168.0.1]/x', /non-public/],
      ['https://localhost/x', /localhost/],
    ] as const) {
      assert.throws(() => parseRoutingSettings(withUrl(url)), (err: unknown) => err instanceof NotifierConfigError && why.test(err.message) && err.message.includes('channels[0].url'), url);
    }
    assert.doesNotThrow(() => parseRoutingSettings(withUrl('http://127.0.0.1:9/x', { allowPrivateNetworks: true, allowHttp: true })));
  });

  it('checks every resolved address of a hostname, IPv4 and IPv6', async () => {
    const policy = { allowPrivateNetworks: false, allowHttp: false };
    const resolveTo = (...addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    await assert.rejects(assertPublicUrl('https://hooks.example.com/x', policy, resolveTo('93.184.216.34', '10.0.0.7')), UnsafeUrlError);
    await assert.rejects(assertPublicUrl('https://hooks.example.com/x', policy, resolveTo('2606:4700::1', 'fd00::1')), UnsafeUrlError);
    await assert.doesNotReject(assertPublicUrl('https://hooks.example.com/x', policy, resolveTo('93.184.216.34', '2606:4700::1')));
  });

  it('explains every problem of an invalid routing file at once', () => {
    assert.throws(
      () => parseRoutingSettings({ channels: [{ name: 'a', type: 'webhook', url: 'https://h.example.com', secret: 'short' }], routes: [{ channels: ['b'] }] }),
      (err: unknown) => err instanceof NotifierConfigError && /secret: must be at least 16/.test(err.message),
    );
    assert.throws(
      () => parseRoutingSettings({ channels: [{ name: 'a', type: 'slack', url: 'https://h.example.com', template: '{{sevrity}}' }], routes: [{ channels: ['b'] }] }),
      (err: unknown) => err instanceof NotifierConfigError && /unknown placeholder\(s\) \{\{sevrity\}\}/.test(err.message) && /no channel named "b"/.test(err.message),
    );
  });
});
