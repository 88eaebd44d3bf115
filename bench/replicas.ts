/**
 * `npm run bench -- replicas --service ingest|inference --replicas 1|2 [--items N]`
 *
 * Throughput and CPU per item of ingest or thermal inference run as 1 or 2 processes
 * (services/<service>/dist/main.js, as deployed) sharing the work: ingest behind one MQTT
 * shared subscription, inference on one JetStream durable. The bench publishes `--items`
 * (telemetry messages at QoS 1 with 256 in flight, or thermal frames) and times the first
 * publish to the last item stored; CPU is the replicas' own (utime + stime from /proc), per
 * 1,000 items, so it does not depend on how busy the machine is. Real services: PostgreSQL
 * (--database-url), NATS (--nats-url), Mosquitto (--mqtt-url, anonymous, for ingest).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { busSubjects, deviceMessageId, encodeFrame, mqttTopic } from '@premonitor/contracts';
import { buildThermalReferenceModel } from '@premonitor/inference';
import { createLogger } from '@premonitor/log';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { ScratchDatabase } from '@premonitor/testkit';
import { CpuMeter, formatCpu } from './support/cpu-meter.js';

const { values } = parseArgs({
  options: {
    service: { type: 'string', default: 'ingest' },
    replicas: { type: 'string', default: '1' },
    items: { type: 'string' },
    'database-url': { type: 'string', default: process.env.PM_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'nats-url': { type: 'string', default: process.env.PM_TEST_NATS_URL ?? 'nats://127.0.0.1:4222' },
    'mqtt-url': { type: 'string', default: process.env.PM_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883' },
  },
});
const service = values.service;
const replicaCount = Number(values.replicas);
if ((service !== 'ingest' && service !== 'inference') || !(replicaCount >= 1 && replicaCount <= 8)) {
  console.error('usage: npm run bench -- replicas --service ingest|inference --replicas 1..8 [--items N]');
  process.exit(2);
}
const items = Number(values.items ?? (service === 'ingest' ? 5_000 : 1_000));
const DEVICES = 20;
/** QoS 1 publishes in flight from the bench's one MQTT connection. */
const MQTT_WINDOW = 256;

const logger = createLogger({ service: 'bench-replicas', level: 'warn' });
// Ctrl-C (or bench.mjs passing on a signal) still stops the replicas and drops the database.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (interrupted = true));
function checkInterrupted(): void {
  if (interrupted) throw new Error('interrupted');
}
const run = randomBytes(4).toString('hex');
const site = `bench-rep-${run}`;
const scratch = await ScratchDatabase.create(values['database-url'], logger, 2, PLATFORM_SCHEMA);
const bus = new NatsJetStreamBus({ servers: values['nats-url'], name: `bench-replicas-${run}`, logger });
await bus.start();
const modelDir = await mkdtemp(join(tmpdir(), 'pm-bench-replicas-'));
const children: ChildProcess[] = [];
const clientIds = Array.from({ length: replicaCount }, (_, i) => `premonitor-ingest.bench-${run}-${i}`);

/** Starts one replica and resolves once it logs `pattern`. */
function startReplica(i: number, pattern: RegExp): Promise<ChildProcess> {
  const main = fileURLToPath(new URL(`../../services/${service}/dist/main.js`, import.meta.url));
  const common = { PATH: process.env.PATH ?? '', DATABASE_URL: scratch.url, NATS_URL: values['nats-url'], HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info' };
  const env =
    service === 'ingest'
      ? { ...common, MQTT_URL: values['mqtt-url'], MQTT_CLIENT_ID: clientIds[i]!, MQTT_SHARED_GROUP: `bench_${run}` }
      : { ...common, INFERENCE_KIND: 'thermal', MODEL_STORE_DIR: modelDir, INSTANCE_ID: `bench-${run}-${i}`, INFERENCE_DURABLE: `bench_${run}`, INFERENCE_DELIVER_POLICY: 'new', BASELINES_ENABLED: 'false' };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (pattern.test(log)) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => reject(new Error(`${service} replica ${i} exited with ${code}:\n${log.slice(-2_000)}`)));
  });
}

async function storedItems(): Promise<number> {
  const table = service === 'ingest' ? sql`readings` : sql`scores`;
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${table} where device_id like ${`${site}/%`}`.execute(scratch.handle.db);
  return Number(rows[0]!.n);
}

async function publishAll(): Promise<void> {
  if (service === 'ingest') {
    const client = await mqtt.connectAsync(values['mqtt-url'], { clientId: `bench-pub-${run}`, clean: true, protocolVersion: 5 });
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < items; i++) {
      const ref = { site, device: `d-${i % DEVICES}` };
      const sent = client.publishAsync(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: Math.floor(i / DEVICES) + 1, readings: { temperature: 20 + (i % 7) } }), { qos: 1 });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (inFlight.size >= MQTT_WINDOW) await Promise.race(inFlight);
      if (i % 1_000 === 0) checkInterrupted();
    }
    await Promise.all(inFlight);
    await client.endAsync();
  } else {
    for (let i = 0; i < items; i++) {
      const ref = { site, device: `cam-${i % DEVICES}` };
      const seq = Math.floor(i / DEVICES) + 1;
      if (i % 100 === 0) checkInterrupted();
      const celsius = new Float32Array(32 * 24).fill(25);
      celsius[seq % celsius.length] = 62;
      await bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius }), { msgId: deviceMessageId(ref, 'thermal', seq) });
    }
  }
}

try {
  if (service === 'inference') {
    const registry = new ModelRegistry({ db: scratch.handle.db, bus, store: new FileArtifactStore(modelDir), logger });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `bench-${run}` }) });
  }
  const ready = service === 'ingest' ? /"msg":"ingest ready"/ : /"msg":"consuming frames"/;
  await Promise.all(Array.from({ length: replicaCount }, (_, i) => startReplica(i, ready)));
  const meter = new CpuMeter(new Map([[`${service} ×${replicaCount}`, { pids: children.map((c) => c.pid!).filter(Boolean) }]]));
  await meter.start();
  const started = performance.now();
  await publishAll();
  const publishedAfter = (performance.now() - started) / 1000;
  const deadline = Date.now() + 300_000;
  while ((await storedItems()) < items) {
    checkInterrupted();
    if (Date.now() > deadline) throw new Error(`only ${await storedItems()} of ${items} stored after 300 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = await meter.stop();
  const cpuMs = [...usage.percent.values()].reduce((a, b) => a + b, 0) / 100 * usage.seconds * 1000;
  console.log(
    `replicas bench: ${service} × ${replicaCount}: ${items} items published in ${publishedAfter.toFixed(1)} s, all stored after ${seconds.toFixed(1)} s → ` +
      `${Math.round(items / seconds)} items/s; replicas' CPU ${(cpuMs * 1000 / items).toFixed(0)} ms per 1,000 items\n  ${formatCpu(usage)}`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  if (service === 'ingest') {
    // Persistent sessions: removed, or the broker keeps queueing for them.
    for (const clientId of clientIds) {
      const cleaner = await mqtt.connectAsync(values['mqtt-url'], { clientId, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } });
      await cleaner.endAsync();
    }
  }
  await bus.stop();
  await scratch.drop();
  await rm(modelDir, { recursive: true, force: true });
}
