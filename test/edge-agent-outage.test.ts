// The edge agent against the real ingest pipeline (broker → ingest → PGlite + in-process bus):
// broker outages (embedded Aedes stopped and restarted on the same port; a real Mosquitto
// process stopped and restarted), an agent killed with a full queue, and the webhook
// fallback while the core is down. "Stored" = telemetry rows in the database and frames /
// edge alerts stored by the bus; every sequence number the agent used must be stored once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreClientId, mqttTopic, peekFrameHeader, type DeviceRef } from '@premonitor/contracts';
import { EmbeddedBroker } from '@premonitor/broker';
import { MosquittoProcess } from '@premonitor/broker/mosquitto-process';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import mqtt, { type MqttClient } from 'mqtt';
import { EdgeAgent, EdgeRules, SimulatedSource, type EdgeAgentOptions } from '@premonitor/edge-agent';
import { systemClock } from '@premonitor/time';
import { servicesRequired } from './support/real-services.js';
import { waitFor, waitWhileProgressing } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'edge-outage-test', level: 'silent' });
const MODELS = new URL('../../models/', import.meta.url).pathname;

/** Ingest + PGlite + in-process bus, with counters of what was stored per device and seq. */
class Core {
  db!: DatabaseHandle;
  bus!: InProcessBus;
  ingest!: Ingest;
  readonly frames = new Map<number, number>();
  readonly alerts = new Map<number, number>();
  readonly #dir = mkdtempSync(join(tmpdir(), 'pm-edge-core-'));

  async start(mqtt: { url: string; username?: string; password?: string; protocolVersion: 4 | 5 }, ref: DeviceRef): Promise<void> {
    this.db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(this.#dir, 'pg'), logger });
    await migrate(this.db, { logger, schema: PLATFORM_SCHEMA });
    this.bus = new InProcessBus({ logger });
    await this.bus.start();
    await this.bus.consume({ stream: 'PM_FRAMES', durable: 'test_frames', filterSubject: `pm.frames.*.${ref.site}.${ref.device}` }, (m) => {
      const seq = peekFrameHeader(m.data)?.seq ?? -1;
      this.frames.set(seq, (this.frames.get(seq) ?? 0) + 1);
      m.ack();
    });
    await this.bus.consume({ stream: 'PM_EVENTS', durable: 'test_alerts', filterSubject: `pm.edge-alerts.${ref.site}.${ref.device}` }, (m) => {
      const seq = (JSON.parse(Buffer.from(m.data).toString()) as { seq: number }).seq;
      this.alerts.set(seq, (this.alerts.get(seq) ?? 0) + 1);
      m.ack();
    });
    this.ingest = new Ingest(
      {
        mqtt: { ...mqtt, clientId: coreClientId('edge-test-ingest'), sharedGroup: '', receiveMaximum: 1000 },
        batchSize: 500,
        batchMaxWaitMs: 20,
        batchConcurrency: 1,
        deadLetterMaxBytes: 1024,
        limits: { maxJsonBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 86_400_000 },
      },
      { db: this.db, bus: this.bus, logger, registry: createRegistry('edge-test', false) },
    );
    await this.ingest.start();
  }

  /** Ingest is connected to the broker (and so subscribed again after a broker restart). */
  async ready(): Promise<boolean> {
    return (await Promise.all(this.ingest.readiness.map((c) => c.check()))).every(Boolean);
  }

  /** seq → how many times it was stored (telemetry counted once per message, not per reading). */
  async stored(device: string): Promise<Map<number, number>> {
    const rows = await this.db.db.selectFrom('readings').select(['seq', 'key']).where('device_id', 'like', `%${device}`).execute();
    const out = new Map<number, number>();
    const perKey = new Map<string, number>();
    for (const r of rows) perKey.set(`${r.seq}/${r.key}`, (perKey.get(`${r.seq}/${r.key}`) ?? 0) + 1);
    for (const [k, n] of perKey) {
      const seq = Number(k.split('/')[0]);
      out.set(seq, Math.max(out.get(seq) ?? 0, n));
    }
    for (const [seq, n] of [...this.frames, ...this.alerts]) out.set(seq, (out.get(seq) ?? 0) + n);
    return out;
  }

  async stop(): Promise<void> {
    await this.ingest?.stop();
    await this.bus?.stop();
    await this.db?.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

function agentOptions(ref: DeviceRef, mqttUrl: string, dataDir: string, extra: Partial<EdgeAgentOptions> = {}): EdgeAgentOptions {
  return {
    ref,
    mqttUrl,
    dataDir,
    sources: [
      new SimulatedSource({ name: 'sim-telemetry', machine: 'motor', signal: 'telemetry', intervalMs: 50, seed: 1, clock: systemClock }),
      new SimulatedSource({ name: 'sim-mic', machine: 'motor', signal: 'acoustic', intervalMs: 250, seed: 2, clock: systemClock }),
      new SimulatedSource({ name: 'sim-thermal', machine: 'motor', signal: 'thermal', intervalMs: 250, seed: 3, clock: systemClock }),
    ],
    queue: { maxBytes: 64 * 1024 * 1024, maxAgeMs: 0, fsync: 'interval', replayPerSecond: 2_000 },
    frames: { mode: 'all', sampleEvery: 1, context: 0 },
    seedModels: { acoustic: join(MODELS, 'acoustic.onnx'), thermal: join(MODELS, 'thermal.onnx') },
    heartbeatTimeoutMs: 0,
    // Raise on every other score so outages produce local alerts to count.
    rules: new EdgeRules([{ id: 'acoustic-anomaly', title: 'test anomaly', severity: 'CRITICAL', on: { score: 'acoustic' }, raiseAbove: -1, clearBelow: 2, k: 1, m: 1 }], []),
    statusIntervalMs: 1_000,
    clock: systemClock,
    logger,
    ...extra,
  };
}

/**
 * Asserts every seq the agents used is stored exactly once. `used` = half-open ranges: a
 * restarted agent resumes after its reserved block, so the numbers have a gap, not repeats.
 */
async function assertExactlyOnce(core: Core, used: ReadonlyArray<readonly [number, number]>, ref: DeviceRef): Promise<void> {
  const expected = used.flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i));
  const total = expected.length;
  let storedSoFar = 0;
  await waitWhileProgressing('every message stored', async () => {
    const s = await core.stored(ref.device);
    storedSoFar = s.size;
    return expected.every((seq) => s.has(seq));
  }, () => storedSoFar, { everyMs: 200 }).catch(() => undefined);
  const stored = await core.stored(ref.device);
  const missing = expected.filter((i) => !stored.has(i));
  const twice = [...stored].filter(([, n]) => n > 1).map(([s]) => s);
  assert.deepEqual(missing, [], `lost ${missing.length} of ${total}: ${missing.slice(0, 5).join(",")}…${missing.slice(-3).join(",")} of ranges ${JSON.stringify(used)}`);
  assert.deepEqual(twice, [], 'stored twice');
  assert.ok(core.alerts.size > 0, 'local alerts were raised and forwarded');
  assert.ok(core.frames.size > 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('edge agent through an embedded broker outage', () => {
  const ref = { site: 'edge-test', device: 'pi-1' };
  let broker: EmbeddedBroker;
  let port: number;
  const core = new Core();
  const dataDir = mkdtempSync(join(tmpdir(), 'pm-edge-agent-'));
  let agent: EdgeAgent | undefined;
  const used: Array<readonly [number, number]> = [];

  let heartbeat: MqttClient | undefined;
  let beating: NodeJS.Timeout | undefined;

  before(async () => {
    port = await freePort();
    broker = new EmbeddedBroker({ port, credentials: null, logger });
    await broker.start();
    await core.start({ url: broker.url, protocolVersion: 4 }, ref);
    // The core heartbeat model-sync would send, sent only while ingest is subscribed: after an
    // Aedes restart (sessions are in memory) the agent must not replay before ingest is back.
    heartbeat = await mqtt.connectAsync(broker.url, { clientId: 'edge-test-heartbeat', reconnectPeriod: 200 });
    beating = setInterval(() => {
      void core.ready().then((ok) => {
        if (ok && heartbeat?.connected) heartbeat.publish(mqttTopic.heartbeat(ref), JSON.stringify({ ts: Date.now() }), { qos: 0 });
      });
    }, 200);
  });
  after(async () => {
    clearInterval(beating);
    await heartbeat?.endAsync(true);
    await agent?.stop();
    await core.stop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no frame or alert and stores none twice when the broker stops and restarts mid-run', async () => {
    const received: unknown[] = [];
    const hook = createHttpServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    agent = new EdgeAgent(agentOptions(ref, broker.url, dataDir, { webhook: { url: hookUrl, format: 'json' }, heartbeatTimeoutMs: 1_500 }));
    await agent.start();
    await waitFor('agent connected', () => agent!.stats().coreReachable);
    // Frames scored before the first CONNACK may raise locally (the core was unreachable then); none after.
    await sleep(300);
    const alertsOnline = agent.stats().localAlerts;
    await sleep(1_500);
    assert.equal(agent.stats().localAlerts, alertsOnline, 'no local alerts while the core is reachable');
    await broker.stop();
    await waitFor('agent notices the outage', () => !agent!.stats().connected);
    await sleep(2_000);
    const during = agent.stats();
    assert.ok(during.queueDepth > 0, 'messages queued to disk during the outage');
    assert.ok(during.localAlerts > 0, 'local alerts raised while the core is down');
    // Webhook fallback: the alert reached a real HTTP receiver while the broker was down.
    await waitFor('webhook delivery', () => received.length > 0);
    assert.equal((received[0] as { source: string; device: string }).source, 'edge');
    broker = new EmbeddedBroker({ port, credentials: null, logger });
    await broker.start();
    await waitFor('agent reconnects', () => agent!.stats().connected, 30_000);
    // Live traffic after the reconnect, beside the replay; then the queue must drain. The sources
    // keep adding while they run, so an empty queue is only awaited once they stopped.
    await sleep(1_000);
    await agent.stopSources();
    await waitWhileProgressing('agent drains its queue', () => agent!.stats().queueDepth === 0 && agent!.stats().inFlight === 0, () => [agent!.stats().queueDepth, agent!.stats().replayed]);
    assert.ok(agent.stats().connected, 'still connected after the replay');
    assert.ok(agent.stats().replayed > 0);
    assert.ok(agent.stats().scored.acoustic > 0 && agent.stats().scored.thermal > 0, 'frames were scored locally');
    used.push([0, agent.stats().nextSeq]);
    await assertExactlyOnce(core, used, ref);
    hook.close();
  });

  it('replays a full queue after the agent is killed and restarted, with nothing lost', async () => {
    const before = (await core.stored(ref.device)).size;
    await broker.stop();
    const offline = new EdgeAgent(agentOptions(ref, broker.url, dataDir, { queue: { maxBytes: 64 * 1024 * 1024, maxAgeMs: 0, fsync: 'always', replayPerSecond: 2_000 } }));
    await agent?.stop();
    agent = offline;
    const firstSeq = Number(readFileSync(join(dataDir, 'seq'), 'utf8'));
    await offline.start();
    await sleep(2_000);
    await offline.stopSources();
    used.push([firstSeq, offline.stats().nextSeq]);
    const queued = offline.stats().queueDepth;
    assert.ok(queued > 20, `queued ${queued}`);
    // "Killed": the files as they are now (fsync always) are all the next process gets — no
    // close, no pointer flush. The snapshot is taken before the orderly stop and put back after it.
    const snapshot = mkdtempSync(join(tmpdir(), 'pm-edge-killed-'));
    cpSync(dataDir, snapshot, { recursive: true });
    await offline.stop();
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(snapshot, dataDir, { recursive: true });
    rmSync(snapshot, { recursive: true, force: true });
    broker = new EmbeddedBroker({ port, credentials: null, logger });
    await broker.start();
    agent = new EdgeAgent(agentOptions(ref, broker.url, dataDir, { sources: [], heartbeatTimeoutMs: 1_500 }));
    await agent.start();
    assert.equal(agent.stats().queueDepth, queued, 'the restarted agent found its queue');
    await waitFor('agent connects', () => agent!.stats().connected, 30_000);
    await waitWhileProgressing('replayed', () => agent!.stats().queueDepth === 0 && agent!.stats().connected, () => [agent!.stats().queueDepth, agent!.stats().replayed]);
    await assertExactlyOnce(core, used, ref);
    assert.ok((await core.stored(ref.device)).size > before);
  });
});

/** Mosquitto with the project config (auth, ACLs, persistence), or why the test is skipped. */
async function mosquitto(device: readonly [string, string], ingest: readonly [string, string]): Promise<MosquittoProcess | string> {
  try {
    return await MosquittoProcess.start({ devices: new Map([device]), core: [{ username: ingest[0], password: ingest[1], role: 'ingest' }] });
  } catch (err) {
    if (servicesRequired || !/not found/.test(String(err))) throw err;
    console.warn(`\n!!! SKIPPING edge agent vs Mosquitto: ${String(err)}\n`);
    return 'mosquitto not installed';
  }
}

describe('edge agent through a Mosquitto restart', () => {
  const ref = { site: 'edge-test', device: 'pi-2' };
  const devicePassword = 'device-password-1234';
  const ingestPassword = 'ingest-password-1234';
  let broker: Awaited<ReturnType<typeof mosquitto>>;
  const core = new Core();
  const dataDir = mkdtempSync(join(tmpdir(), 'pm-edge-agent-'));
  let agent: EdgeAgent | undefined;

  before(async () => {
    broker = await mosquitto([`${ref.site}/${ref.device}`, devicePassword], ['edge-test-ingest', ingestPassword]);
    if (typeof broker === 'string') return;
    await core.start({ url: broker.coreUrl, username: 'edge-test-ingest', password: ingestPassword, protocolVersion: 5 }, ref);
  });
  after(async () => {
    await agent?.stop();
    if (typeof broker !== 'string') {
      await core.stop();
      await broker.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and stores nothing twice across a Mosquitto stop and restart', async (t) => {
    if (typeof broker === 'string') return t.skip(broker);
    const b = broker;
    agent = new EdgeAgent(agentOptions(ref, b.deviceUrl, dataDir, { username: `${ref.site}/${ref.device}`, password: devicePassword }));
    await agent.start();
    await waitFor('agent connected', () => agent!.stats().connected);
    await sleep(1_500);
    await b.shutDown();
    await waitFor('agent notices the outage', () => !agent!.stats().connected);
    await sleep(2_000);
    assert.ok(agent.stats().queueDepth > 0);
    await b.startAgain();
    await waitFor('agent reconnects', () => agent!.stats().connected, 30_000);
    await sleep(1_000);
    await agent.stopSources();
    await waitWhileProgressing('agent drains its queue', () => agent!.stats().queueDepth === 0 && agent!.stats().inFlight === 0, () => [agent!.stats().queueDepth, agent!.stats().replayed]);
    await assertExactlyOnce(core, [[0, agent.stats().nextSeq]], ref);
  });
});
