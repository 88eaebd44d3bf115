// npm run bench -- alerts [--mode distributed|embedded] [--seconds N] [--devices N] [--outage-s N]
//   [--deliveries N] [--send-concurrency N] [--fusion-tick-ms N] [--warmup-s N] [--database-url URL] [--nats-url URL]
// Devices publish gas telemetry over MQTT through the real broker; ingest → bus → fusion → bus →
// notifier → a local webhook receiver, each service its own process in distributed mode. Also:
// the broker round trip alone (the floor), notifier throughput, and a receiver outage.
// Last line: one JSON object (see bench/README.md).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busSubjects, type AlertEvent } from '@premonitor/contracts';
import { publishEvent, type Bus, type BusMessage } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import type { RoutingFile } from '@premonitor/notifier';
import { startAlertsPipeline } from './support/alerts-pipeline.js';
import { distributedStack, embeddedStack, type BenchStack } from './support/bench-stack.js';
import { brokerFloor } from './support/alerts-floor.js';
import { removeAlertsBenchState } from './support/alerts-nats-cleanup.js';
import { WebhookReceiver, type WebhookHit, Cleanup, fmt, localWebhookChannel, percentile, round } from '@premonitor/testkit';
import { CpuMeter, formatCpu, formatCpuPerMessages, type ProcessGroup } from './support/cpu-meter.js';
import { GAS_BASE_PPM, GasDevices, messageKey } from './support/gas-devices.js';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'distributed' },
    seconds: { type: 'string', default: '30' },
    devices: { type: 'string', default: '100' },
    'outage-s': { type: 'string', default: '60' },
    deliveries: { type: 'string', default: '5000' },
    'send-concurrency': { type: 'string' },
    'fusion-tick-ms': { type: 'string', default: '200' },
    'warmup-s': { type: 'string', default: '5' },
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
const fusionTickMs = Number(args['fusion-tick-ms']);
const warmupS = Number(args['warmup-s']);
const logger = createLogger({ service: 'bench-alerts', level: args['log-level'] as 'error' });
const run = randomBytes(3).toString('hex');
const site = `bench-alerts-${run}`;
const durablePrefix = `bench_alerts_${run}`;
const RULE = 'gas-leak';
const cleanup = new Cleanup();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanup.run().then(() => process.exit(130)));

/**
 * Publish times of the devices' messages, and how long each took to reach each stage: its
 * telemetry event on the bus (ingest), the alert it opened on the bus (fusion), the webhook
 * receipt (notifier). All clocks are this process's `performance.now()`.
 */
class StageTimes {
  readonly sentAt = new Map<string, number>();
  readonly ingest: number[] = [];
  readonly fusion: number[] = [];
  readonly webhook: number[] = [];
  /** Webhook latencies of the first message of each device (the Node-RED reference's case). */
  readonly firstAlert: number[] = [];
  firstSeq = 0;

  reached(stage: 'ingest' | 'fusion' | 'webhook', key: string, at: number): void {
    const t = this.sentAt.get(key);
    if (t === undefined) return;
    this[stage].push(at - t);
    if (stage === 'webhook' && key.endsWith(`#${this.firstSeq}`)) this.firstAlert.push(at - t);
  }
}

function decode<T>(message: BusMessage): T {
  return JSON.parse(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength).toString('utf8')) as T;
}

/** The message key an alert of the bench's rule names through its peak (see GAS_BASE_PPM). */
function keyOfAlert(alert: { site: string; device: string; peakScore: number | null }): string | undefined {
  return alert.peakScore === null ? undefined : messageKey(alert, alert.peakScore - GAS_BASE_PPM);
}

/**
 * The bench's own durable consumers: the devices' telemetry events and the alerts they open, by
 * message key; `onOpen` gets the key the receiver will see (`<idempotencyKey>:bench`).
 */
async function watchBus(bus: Bus, onTelemetry: (key: string, at: number) => void, onOpen: (key: string, receiverKey: string, at: number) => void): Promise<void> {
  await bus.consume(
    { stream: busSubjects.telemetry.stream, durable: `${durablePrefix}_watch_telemetry`, filterSubject: `pm.telemetry.${site}.*`, deliverPolicy: 'new' },
    (message) => {
      const at = performance.now();
      const event = decode<{ site: string; device: string; seq: number }>(message);
      onTelemetry(messageKey(event, event.seq), at);
      message.ack();
    },
  );
  await bus.consume(
    { stream: busSubjects.alerts.stream, durable: `${durablePrefix}_watch_alerts`, filterSubject: `pm.alerts.*.${site}.*`, deliverPolicy: 'new' },
    (message) => {
      const at = performance.now();
      const event = decode<AlertEvent>(message);
      const key = event.rule === RULE && event.to === 'open' ? keyOfAlert(event) : undefined;
      if (key) onOpen(key, `${event.idempotencyKey}:bench`, at);
      message.ack();
    },
  );
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

const p = (samples: readonly number[], q: number) => round(percentile(samples, q), 2);
const summary = (samples: readonly number[]) => `p50 ${p(samples, 50)} ms, p99 ${p(samples, 99)} ms, max ${round(Math.max(0, ...samples), 1)} ms (${fmt(samples.length)})`;

async function main(): Promise<void> {
  const stackOptions = { site, publishers: deviceCount, databaseUrl: args['database-url']!, natsUrl: args['nats-url']!, bus: 'nats' as const, logger, cleanup };
  const stack: BenchStack = mode === 'distributed' ? await distributedStack(stackOptions) : await embeddedStack(stackOptions);
  if (mode === 'distributed') cleanup.add('bench consumers and subjects in JetStream', () => removeAlertsBenchState(args['nats-url']!, site, [durablePrefix]));
  console.log(
    `alerts bench (${mode}): ${stack.devices.length} devices × 1 gas reading/s over MQTT, site ${site}; broker ${mode === 'distributed' ? 'Mosquitto' : 'Aedes'}, ` +
      `bus ${mode === 'distributed' ? 'NATS JetStream' : 'in-process'}, database ${mode === 'distributed' ? 'PostgreSQL (scratch)' : 'PGlite'}; ` +
      `${mode === 'distributed' ? 'ingest, fusion and notifier as their own processes' : 'ingest, fusion and notifier in this process'}`,
  );

  // Floor first, alone: the same devices' round trip through the real broker.
  const floor = await brokerFloor(stack, Math.min(seconds, 20));
  console.log(`floor: broker round trip (QoS 1, ${stack.devices.length} devices × 1/s): ${summary(floor)}`);

  const receiver = new WebhookReceiver();
  await receiver.up();
  cleanup.add('webhook receiver', () => receiver.down());
  const dir = await mkdtemp(join(tmpdir(), 'pm-bench-alerts-'));
  cleanup.add('bench dir', () => rm(dir, { recursive: true, force: true }));

  const routing: RoutingFile = {
    allowHttp: true,
    allowPrivateNetworks: true,
    channels: [
      {
        // Recovery settings an operator would choose for a local receiver (the defaults would
        // stretch the outage phase by minutes), and no limits or digests in the way: the bench
        // measures delivery of individual alerts.
        ...localWebhookChannel('bench', receiver.url),
        ...(sendConcurrency === undefined ? {} : { sendConcurrency }),
      } as RoutingFile['channels'][number],
    ],
    routes: [{ sites: [site], transitions: ['open'], channels: ['bench'] }],
  };
  const pipeline = await startAlertsPipeline(stack, {
    site,
    durablePrefix,
    // The Node-RED reference's "threshold": every reading above it opens an alert at once (1 of 1),
    // and a quiet period of 0 lets fusion's next tick resolve it, so the device's next reading
    // opens a new one — each message is its device's first alert again. The offline rule is off:
    // the devices fall silent between phases.
    rules: { rules: [{ id: RULE, k: 1, m: 1, quietPeriodMs: 0 }, { id: 'device-offline', enabled: false }] },
    routing,
    fusionTickMs,
    dir,
    natsUrl: args['nats-url']!,
    logger,
  });
  cleanup.add('ingest, fusion, notifier', () => pipeline.stop());
  const devices = await GasDevices.connect(stack);
  cleanup.add('devices', () => devices.close());
  const cpuGroups = (): Map<string, ProcessGroup> => new Map([[`bench process (${pipeline.inProcess})`, { pids: [process.pid] }], ...pipeline.cpuGroups, ...stack.cpuGroups]);

  const times = new StageTimes();
  /** Receiver keys of the alerts the devices' messages opened, as fusion published them. */
  const raised = new Set<string>();
  await watchBus(
    stack.bus,
    (key, at) => times.reached('ingest', key, at),
    (key, receiverKey, at) => {
      raised.add(receiverKey);
      times.reached('fusion', key, at);
    },
  );

  // Warm-up, not measured: the services' first alerts run cold code (JIT, connection set-up, plan
  // caches); the latency phase measures the pipeline as it runs, like the reference's running flow.
  if (warmupS > 0) {
    const warmup = devices.run(() => {}, warmupS);
    await warmup.done;
    await waitUntil('the warm-up alerts', () => raised.size >= warmup.published, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    raised.clear();
    console.log(`warm-up: ${fmt(warmup.published)} readings in ${warmupS} s, not measured`);
  }

  // Phase 1 — latency: device publish → webhook receipt of the alert each reading opens.
  receiver.onHit = (hit: WebhookHit) => {
    if (hit.alert?.rule !== RULE || hit.alert.to !== 'open') return;
    const key = keyOfAlert(hit.alert);
    if (key) times.reached('webhook', key, hit.at);
  };
  const cpu = new CpuMeter(cpuGroups());
  await cpu.start();
  let first = true;
  const latencyRun = devices.run((key, at) => {
    if (first) {
      times.firstSeq = Number(key.slice(key.lastIndexOf('#') + 1));
      first = false;
    }
    times.sentAt.set(key, at);
  }, seconds);
  await latencyRun.done;
  await waitUntil('the last alerts', () => times.webhook.length >= latencyRun.published, 10_000);
  const usage = await cpu.stop();
  receiver.onHit = () => {};
  const latencies = times.webhook;
  console.log(
    `latency: ${fmt(latencyRun.published)} readings → ${fmt(times.fusion.length)} alerts opened → ${fmt(latencies.length)} webhooks timed: ` +
      `publish → webhook receipt ${summary(latencies)}`,
  );
  console.log(`  first alert of each device (the Node-RED reference's case): ${summary(times.firstAlert)}`);
  console.log(`  publish → telemetry event on the bus (broker + ingest): ${summary(times.ingest)}`);
  console.log(`  publish → alert opened on the bus (+ fusion): ${summary(times.fusion)}`);
  console.log(`  CPU: ${formatCpu(usage)}`);
  console.log(`  CPU-ms per 1,000 readings (each opening and resolving an alert): ${formatCpuPerMessages(usage, latencyRun.published)}`);

  // Phase 2 — notifier throughput: `deliveries` alert transitions straight onto PM_ALERTS.
  await new Promise((r) => setTimeout(r, 1_000)); // let the last auto-resolves pass
  const before = receiver.hits.length;
  const tpCpu = new CpuMeter(cpuGroups());
  await tpCpu.start();
  const startedAt = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < deliveries; i++) {
    const ref = stack.devices[i % stack.devices.length]!.ref;
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
    const received = new Map<string, number>();
    let duplicates = 0;
    receiver.onHit = (hit) => {
      if (received.has(hit.idempotencyKey)) duplicates++;
      else received.set(hit.idempotencyKey, hit.at);
    };
    await new Promise((r) => setTimeout(r, 1_500)); // the throughput alerts' stragglers
    raised.clear();
    const outageStart = performance.now();
    await receiver.down();
    const outageRun = devices.run(() => {});
    await new Promise((r) => setTimeout(r, outageS * 1000));
    await receiver.up();
    const upAt = performance.now();
    const downFor = upAt - outageStart;
    await outageRun.stop();
    // Every reading opens an alert; fusion may still be working through its backlog.
    await waitUntil('fusion to raise the outage alerts', () => raised.size >= outageRun.published, 120_000);
    const sent = new Set(raised);
    outageSent = sent.size;
    await waitUntil('the backlog', () => [...sent].every((k) => received.has(k)), 180_000);
    const recoveredIn = Math.max(0, ...[...sent].map((k) => (received.get(k) ?? upAt) - upAt));
    outageDelivered = [...sent].filter((k) => received.has(k)).length;
    lost = outageSent - outageDelivered;
    console.log(
      `outage: receiver down ${round(downFor / 1000, 1)} s; ${fmt(outageRun.published)} readings published, ${fmt(outageSent)} alerts opened meanwhile, ${fmt(outageDelivered)} delivered ` +
        `(the last ${round(recoveredIn / 1000, 1)} s after it came back), ${lost} lost, ${duplicates} duplicate receipts (same idempotency key)`,
    );
  }

  console.log(
    JSON.stringify({
      bench: 'alerts',
      p50_ms: p(latencies, 50),
      p99_ms: p(latencies, 99),
      floor_p99_ms: p(floor, 99),
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
