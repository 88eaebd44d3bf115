// npm run bench -- alerts [--mode distributed|embedded] [--seconds N] [--devices N] [--outage-s N]
//   [--deliveries N] [--send-concurrency N] [--database-url URL] [--nats-url URL]
// Scores → fusion → alert → notifier → a local webhook receiver, through the real bus and
// database; the broker round trip of the same devices as the floor; notifier throughput; and
// a receiver outage. Last line: one JSON object (see bench/README.md).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busSubjects, deviceMessageId, type AlertEvent, type DeviceRef, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { openDatabase, type DatabaseHandle } from '@premonitor/db';
import { sql } from 'kysely';
import { createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { Notifier, parseRoutingSettings, type RoutingFile } from '@premonitor/notifier';
import { distributedStack, embeddedStack, type BenchStack } from './support/bench-stack.js';
import { brokerFloor } from './support/alerts-floor.js';
import { removeAlertsBenchState } from './support/alerts-nats-cleanup.js';
import { WebhookReceiver, type WebhookHit } from './support/alerts-receiver.js';
import { Cleanup } from './support/cleanup.js';
import { CpuMeter, formatCpu, formatCpuPerMessages } from './support/cpu-meter.js';
import { fmt, percentile, round } from './support/stats.js';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'distributed' },
    seconds: { type: 'string', default: '30' },
    devices: { type: 'string', default: '100' },
    'outage-s': { type: 'string', default: '60' },
    deliveries: { type: 'string', default: '5000' },
    'send-concurrency': { type: 'string' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'nats-url': { type: 'string', default: 'nats://127.0.0.1:4222' },
    'log-level': { type: 'string', default: 'error' },
  },
});
const mode = args.mode === 'embedded' ? 'embedded' : 'distributed';
const seconds = Number(args.seconds);
const deviceCount = Number(args.devices);
const outageS = Number(args['outage-s']);
const deliveries = Number(args.deliveries);
const sendConcurrency = args['send-concurrency'] === undefined ? undefined : Number(args['send-concurrency']);
const logger = createLogger({ service: 'bench-alerts', level: args['log-level'] as 'error' });
const run = randomBytes(3).toString('hex');
const site = `bench-alerts-${run}`;
const durablePrefix = `bench_alerts_${run}`;
const cleanup = new Cleanup();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanup.run().then(() => process.exit(130)));

/**
 * One score per device per second, spread evenly over the second; returns a stop function.
 * Each round gives the devices fresh names (`dev-001-r7`), so every score is the first
 * anomaly of its device and opens an alert — the case the Node-RED reference times
 * ("the first alert of each of 100 devices at 1 Hz"), here at a sustained 100 alerts/s.
 */
/** Rounds across every phase, so a device name is never reused (a reused name would update its open alert). */
let seq = 0;

function startDevices(bus: Bus, refs: readonly DeviceRef[], sentAt: Map<string, number>, published: { count: number }): () => Promise<void> {
  let stopped = false;
  const spacing = 1000 / refs.length;
  const loop = (async () => {
    const start = performance.now();
    for (let round = 0; !stopped; round++) {
      seq++;
      for (let i = 0; i < refs.length && !stopped; i++) {
        const wait = start + round * 1000 + i * spacing - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const ref = { site: refs[i]!.site, device: `${refs[i]!.device}-r${seq}` };
        const event: ScoreEvent = { site: ref.site, device: ref.device, kind: 'acoustic', ts: Date.now(), seq, score: 0.95, modelVersion: 'bench', latencyMs: 0 };
        sentAt.set(ref.device, performance.now());
        published.count++;
        void publishEvent(bus, 'scores', ['acoustic', ref], event, { msgId: deviceMessageId(ref, 'acoustic', seq) }).catch((err: unknown) => logger.error({ err }, 'score publish failed'));
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** Collects the alerts the devices' scores open (what the notifier must deliver), by the key the receiver sees. */
async function watchAlerts(bus: Bus, keys: Set<string>, onOpen: (device: string) => void): Promise<void> {
  await bus.consume(
    { stream: busSubjects.alerts.stream, durable: `${durablePrefix}_watch`, filterSubject: `pm.alerts.*.${site}.*`, deliverPolicy: 'new' },
    (message) => {
      const event = JSON.parse(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength).toString('utf8')) as AlertEvent;
      if (event.to === 'open' && event.rule === 'acoustic-anomaly') {
        keys.add(`${event.idempotencyKey}:bench`);
        onOpen(event.device);
      }
      message.ack();
    },
  );
}

/**
 * The notifier's own connection pool on the same database in distributed mode, as its own
 * process would have: sharing fusion's pool would queue its queries behind fusion's transactions.
 */
async function notifierDatabase(stack: BenchStack): Promise<DatabaseHandle> {
  if (stack.mode !== 'distributed') return stack.db;
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(stack.db.db);
  const url = new URL(args['database-url']!);
  url.pathname = `/${rows[0]!.name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10, logger });
  cleanup.add('notifier database pool', () => handle.close());
  return handle;
}

async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) {
      console.log(`  (gave up waiting for ${what} after ${timeoutMs / 1000} s)`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function main(): Promise<void> {
  const stackOptions = { site, publishers: deviceCount, databaseUrl: args['database-url']!, natsUrl: args['nats-url']!, bus: 'nats' as const, logger, cleanup };
  const stack: BenchStack = mode === 'distributed' ? await distributedStack(stackOptions) : await embeddedStack(stackOptions);
  if (mode === 'distributed') cleanup.add('bench consumers and subjects in JetStream', () => removeAlertsBenchState(args['nats-url']!, site, [durablePrefix]));
  const refs = stack.devices.map((d) => d.ref);
  console.log(
    `alerts bench (${mode}): ${refs.length} devices × 1 score/s, site ${site}; broker ${mode === 'distributed' ? 'Mosquitto' : 'Aedes'}, ` +
      `bus ${mode === 'distributed' ? 'NATS JetStream' : 'in-process'}, database ${mode === 'distributed' ? 'PostgreSQL (scratch)' : 'PGlite'}`,
  );

  // Floor first, alone: the same devices' round trip through the real broker.
  const floor = await brokerFloor(stack, Math.min(seconds, 20));
  console.log(`floor: broker round trip (QoS 1, ${refs.length} devices × 1/s): p50 ${round(percentile(floor, 50), 2)} ms, p99 ${round(percentile(floor, 99), 2)} ms (${floor.length} messages)`);

  const receiver = new WebhookReceiver();
  await receiver.up();
  cleanup.add('webhook receiver', () => receiver.down());
  const dir = await mkdtemp(join(tmpdir(), 'pm-bench-alerts-'));
  cleanup.add('rules dir', () => rm(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.json');
  // Every score is above 0.85, so the default acoustic rule raises at once (1 of 1). The
  // offline rule is off: the renamed devices of past rounds would all fall silent.
  await writeFile(rulesFile, JSON.stringify({ rules: [{ id: 'device-offline', enabled: false }] }));

  const routing: RoutingFile = {
    allowHttp: true,
    allowPrivateNetworks: true,
    channels: [
      {
        name: 'bench',
        type: 'webhook',
        url: receiver.url,
        secret: 'bench-secret-0123456789',
        timeoutMs: 2_000,
        maxAttempts: 100,
        // Recovery settings an operator would choose for a local receiver; the defaults
        // (backoff up to 5 min, breaker reset 30 s) would stretch the outage phase by minutes.
        backoff: { baseMs: 250, maxMs: 5_000 },
        breaker: { resetTimeoutMs: 2_000 },
        // No limits or digests in the way: the bench measures delivery of individual alerts.
        rateLimit: { perChannel: { capacity: 1_000_000, refillPerSecond: 1_000_000 }, perDevice: { capacity: 1_000_000, refillPerSecond: 1_000_000 } },
        digest: { threshold: 1_000_000_000, windowMs: 1_000, maxItems: 1_000 },
        ...(sendConcurrency === undefined ? {} : { sendConcurrency }),
      } as RoutingFile['channels'][number],
    ],
    routes: [{ sites: [site], transitions: ['open'], channels: ['bench'] }],
  };

  const fusion = new Fusion(
    { rulesFile, rulesReloadMs: 0, tickMs: 1_000, consumers: { durablePrefix: `${durablePrefix}_fusion`, site, deliverPolicy: 'new', ackWaitMs: 30_000 } },
    { db: stack.db, bus: stack.bus, logger, registry: createRegistry('bench-fusion', false) },
  );
  await fusion.start();
  cleanup.add('fusion', () => fusion.stop());
  const notifier = new Notifier({ routing: parseRoutingSettings(routing), durable: `${durablePrefix}_notifier`, idlePollMs: 1_000 }, { db: await notifierDatabase(stack), bus: stack.bus, logger, registry: createRegistry('bench-notifier', false) });
  await notifier.start();
  cleanup.add('notifier', () => notifier.stop(2_000));
  // Phase 1 — latency: publish → webhook receipt of the alert each score raises.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  // Publish → the alert transition on the bus: fusion's share of the latency.
  const fusionLatencies: number[] = [];
  const raised = new Set<string>();
  await watchAlerts(stack.bus, raised, (device) => {
    const t = sentAt.get(device);
    if (t !== undefined) fusionLatencies.push(performance.now() - t);
  });
  receiver.onHit = (hit: WebhookHit) => {
    if (hit.alert?.rule !== 'acoustic-anomaly' || hit.alert.to !== 'open') return;
    const t = sentAt.get(hit.alert.device);
    if (t !== undefined) latencies.push(hit.at - t);
  };
  const published = { count: 0 };
  const cpu = new CpuMeter(new Map([['bench process (fusion, notifier, receiver, devices)', { pids: [process.pid] }], ...stack.cpuGroups]));
  await cpu.start();
  const stopDevices = startDevices(stack.bus, refs, sentAt, published);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await stopDevices();
  await waitUntil('the last alerts', () => receiver.hits.filter((h) => h.alert).length >= raised.size, 10_000);
  const usage = await cpu.stop();
  receiver.onHit = () => {};
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `latency: ${fmt(published.count)} scores → ${fmt(raised.size)} alerts raised, ${fmt(latencies.length)} timed at the receiver: ` +
      `p50 ${round(p50, 2)} ms, p99 ${round(p99, 2)} ms, max ${round(Math.max(0, ...latencies), 1)} ms`,
  );
  console.log(`  of which score → alert on the bus (fusion): p50 ${round(percentile(fusionLatencies, 50), 2)} ms, p99 ${round(percentile(fusionLatencies, 99), 2)} ms`);
  console.log(`  CPU: ${formatCpu(usage)}`);

  // Phase 2 — notifier throughput: `deliveries` alert transitions straight onto PM_ALERTS.
  await new Promise((r) => setTimeout(r, 1_000)); // let the last auto-resolves pass
  const before = receiver.hits.length;
  const tpCpu = new CpuMeter(new Map([['bench process', { pids: [process.pid] }], ...stack.cpuGroups]));
  await tpCpu.start();
  const startedAt = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < deliveries; i++) {
    const ref = refs[i % refs.length]!;
    const event: AlertEvent = {
      alertId: `tp-${run}-${i}`,
      site: ref.site,
      device: ref.device,
      rule: 'throughput',
      severity: 'CRITICAL',
      from: 'none',
      to: 'open',
      ts: Date.now(),
      count: 1,
      peakScore: 0.99,
      message: 'bench throughput alert',
      idempotencyKey: `tp-${run}-${i}:1`,
    };
    window.push(publishEvent(stack.bus, 'alerts', ['CRITICAL', ref], event, { msgId: `bench.${run}.${i}` }));
    if (window.length >= 256) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const publishedIn = performance.now() - startedAt;
  await waitUntil(`${deliveries} deliveries`, () => receiver.hits.length - before >= deliveries, 120_000);
  const tpUsage = await tpCpu.stop();
  const tpHits = receiver.hits.slice(before);
  const lastAt = tpHits.length > 0 ? tpHits[tpHits.length - 1]!.at : performance.now();
  const firstAt = tpHits[0]?.at ?? startedAt;
  const deliveriesPerS = (tpHits.length * 1000) / (lastAt - startedAt);
  console.log(
    `throughput: ${fmt(deliveries)} alerts published in ${round(publishedIn)} ms; ${fmt(tpHits.length)} delivered in ${round(lastAt - startedAt)} ms from the first publish ` +
      `(${fmt(deliveriesPerS)}/s; ${fmt((tpHits.length * 1000) / Math.max(1, lastAt - firstAt))}/s first → last receipt)`,
  );
  console.log(`  CPU: ${formatCpu(tpUsage)}`);
  console.log(`  CPU-ms per 1,000 deliveries (load-independent cost): ${formatCpuPerMessages(tpUsage, tpHits.length)}`);

  // Phase 3 — outage: the receiver is down for `outageS` while the devices keep raising alerts.
  let outageSent = 0;
  let outageDelivered = 0;
  let lost = 0;
  if (outageS > 0) {
    raised.clear();
    const received = new Map<string, number>();
    let duplicates = 0;
    receiver.onHit = (hit) => {
      if (received.has(hit.idempotencyKey)) duplicates++;
      else received.set(hit.idempotencyKey, hit.at);
    };
    await new Promise((r) => setTimeout(r, 1_500)); // the throughput alerts' stragglers
    const outageStart = performance.now();
    await receiver.down();
    const publishedBefore = published.count;
    const stop = startDevices(stack.bus, refs, sentAt, published);
    await new Promise((r) => setTimeout(r, outageS * 1000));
    await receiver.up();
    const upAt = performance.now();
    const downFor = upAt - outageStart;
    await stop();
    // Every score opens an alert; fusion may still be working through its backlog.
    await waitUntil('fusion to raise the outage alerts', () => raised.size >= published.count - publishedBefore, 120_000);
    const sent = new Set(raised);
    outageSent = sent.size;
    await waitUntil('the backlog', () => [...sent].every((k) => received.has(k)), 180_000);
    const recoveredIn = Math.max(0, ...[...sent].map((k) => (received.get(k) ?? upAt) - upAt));
    outageDelivered = [...sent].filter((k) => received.has(k)).length;
    lost = outageSent - outageDelivered;
    console.log(
      `outage: receiver down ${round(downFor / 1000, 1)} s; ${fmt(outageSent)} alerts raised meanwhile, ${fmt(outageDelivered)} delivered ` +
        `(the last ${round(recoveredIn / 1000, 1)} s after it came back), ${lost} lost, ${duplicates} duplicate receipts (same idempotency key)`,
    );
  }

  console.log(
    JSON.stringify({
      bench: 'alerts',
      p50_ms: round(p50, 2),
      p99_ms: round(p99, 2),
      floor_p99_ms: round(percentile(floor, 99), 2),
      deliveries_per_s: round(deliveriesPerS),
      outage_sent: outageSent,
      outage_delivered: outageDelivered,
      lost,
    }),
  );
}

try {
  await main();
} finally {
  await cleanup.run();
}
process.exit(0);
