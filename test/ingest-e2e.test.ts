// End to end: simulated devices → MQTT broker → ingest → database (and bus), in both modes.
// Embedded: the EmbeddedPlatform itself (Aedes, in-process bus, PGlite). Distributed: real
// Mosquitto, NATS JetStream and PostgreSQL with ingest wired as its main.ts wires it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { encodeFrame, mqttTopic, FRAME_HEADER_BYTES, type DeviceRef } from '@premonitor/contracts';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import { Simulator } from '@premonitor/edge-agent';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { loadConfig } from '@premonitor/config';
import { needService } from './support/real-services.js';
import { authEnv, bearer } from './support/auth.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'e2e', level: 'silent' });

/** One way of running the platform under the same end-to-end suite. */
interface Mode {
  readonly name: string;
  readonly skip: string | false;
  start(): Promise<{ mqttUrl: string; db: DatabaseHandle; bus: Bus; httpUrl?: string }>;
  stop(): Promise<void>;
}

function embeddedMode(): Mode {
  let platform: EmbeddedPlatform | undefined;
  let dataDir = '';
  let db: DatabaseHandle | undefined;
  return {
    name: 'embedded (Aedes + in-process bus + PGlite)',
    skip: false,
    async start() {
      dataDir = await mkdtemp(join(tmpdir(), 'pm-e2e-'));
      const config = loadConfig(platformConfigShape, {
        ...pgliteTemplateEnv(),
        PM_DATA_DIR: dataDir,
        HTTP_PORT: '0',
        MQTT_PORT: '0',
        SIM_DEVICES: '0',
        MQTT_ALLOW_ANONYMOUS: 'true',
        BATCH_MAX_WAIT_MS: '20',
        MAX_JSON_BYTES: '4096',
        LOG_LEVEL: 'silent',
        ...authEnv(),
      });
      platform = new EmbeddedPlatform(config, logger);
      const endpoints = await platform.start();
      // A bus tap and a database view of the platform's own components.
      db = platform.database();
      return { mqttUrl: endpoints.mqttUrl, db, bus: platform.bus(), httpUrl: endpoints.httpUrl };
    },
    async stop() {
      await platform?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const [pgService, mqttService, natsService] = await Promise.all([needService('postgres'), needService('mosquitto'), needService('nats')]);

function distributedMode(): Mode {
  let throwaway: { url: string; drop(): Promise<void> } | undefined;
  let db: DatabaseHandle | undefined;
  let bus: NatsJetStreamBus | undefined;
  let ingest: Ingest | undefined;
  let http: HttpServer | undefined;
  const clientId = `pm-e2e-ingest-${randomBytes(4).toString('hex')}`;
  return {
    name: 'distributed (Mosquitto + NATS JetStream + PostgreSQL)',
    skip: pgService.skip || mqttService.skip || natsService.skip,
    async start() {
      throwaway = await createThrowawayDatabase(pgService.url!, 'pm_e2e');
      db = await openDatabase({ kind: 'postgres', url: throwaway.url });
      await migrate(db, { schema: PLATFORM_SCHEMA });
      bus = new NatsJetStreamBus({ servers: natsService.url!, name: 'e2e-ingest', logger });
      await bus.start();
      const registry = createRegistry('e2e', false);
      ingest = new Ingest(
        {
          mqtt: { url: mqttService.url!, clientId, sharedGroup: '', receiveMaximum: 1000, protocolVersion: 5 },
          batchSize: 500,
          batchMaxWaitMs: 20,
          batchConcurrency: 2,
          deadLetterMaxBytes: 1024,
          limits: { maxJsonBytes: 4096, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 },
        },
        { db, bus, logger, registry },
      );
      // As services/ingest/src/main.ts serves it.
      http = new HttpServer({ logger, registry, readiness: ingest.readiness, routers: [{ path: '/api/v1', router: ingest.router }], portSetting: 'HTTP_PORT' });
      const port = await http.start(0);
      await ingest.start();
      return { mqttUrl: mqttService.url!, db, bus, httpUrl: `http://127.0.0.1:${port}` };
    },
    async stop() {
      await ingest?.stop();
      await http?.stop();
      await bus?.stop();
      await db?.close();
      await throwaway?.drop();
      // Remove the persistent session from the shared Mosquitto so it does not queue for a ghost.
      if (mqttService.url) {
        const cleaner = await mqtt.connectAsync(mqttService.url, { clientId, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } });
        await cleaner.endAsync();
      }
    },
  };
}

for (const mode of [embeddedMode(), distributedMode()]) {
  describe(`end to end, ${mode.name}`, { skip: mode.skip }, () => {
    let env: Awaited<ReturnType<Mode['start']>>;
    const site = `e2e-${randomBytes(3).toString('hex')}`;
    let tap: MqttClient;
    const telemetryReadings = new Map<string, number>();

    before(async () => {
      env = await mode.start();
      tap = await mqtt.connectAsync(env.mqttUrl, { clientId: `tap-${site}` });
      await tap.subscribeAsync(`premonitor/v1/${site}/+/telemetry`, { qos: 1 });
      // Only the simulator's devices count; the bad-input test publishes malformed JSON on purpose.
      tap.on('message', (topic, payload) => {
        if (!/\/sim-\d+\/telemetry$/.test(topic)) return;
        const msg = JSON.parse(payload.toString()) as { seq: number; readings: Record<string, number> };
        telemetryReadings.set(`${topic}#${msg.seq}`, Object.keys(msg.readings).length);
      });
    });

    after(async () => {
      await tap?.endAsync();
      await mode.stop();
    });

    it('stores exactly what simulated devices sent, and forwards it on the bus', async () => {
      const forwarded = new Set<string>();
      const sub = await env.bus.consume(
        { stream: 'PM_TELEMETRY', durable: `e2e_${site.replace(/-/g, '_')}`, filterSubject: `pm.telemetry.${site}.>`, deliverPolicy: 'new', ackWaitMs: 5_000 },
        (m) => {
          const event = JSON.parse(Buffer.from(m.data).toString()) as { device: string; seq: number };
          forwarded.add(`${event.device}#${event.seq}`);
          m.ack();
        },
      );
      const simulator = new Simulator({ mqttUrl: env.mqttUrl, site, deviceCount: 3, telemetryIntervalMs: 1, rate: true, maxMessages: 200, logger });
      await simulator.start();
      await simulator.finished();
      const published = simulator.stats().byKind.telemetry.published;
      await simulator.stop();
      assert.equal(published, 600);

      await waitFor('the tap to see every message', () => telemetryReadings.size === 600, 15_000);
      const expectedRows = [...telemetryReadings.values()].reduce((a, b) => a + b, 0);
      const count = async () =>
        Number((await env.db.db.selectFrom('readings').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', 'like', `${site}/%`).executeTakeFirstOrThrow()).n);
      await waitFor(`${expectedRows} reading rows`, async () => (await count()) >= expectedRows, 20_000);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await count(), expectedRows, 'stored rows equal readings sent, no more');

      const devices = await env.db.db.selectFrom('devices').selectAll().where('site', '=', site).orderBy('id').execute();
      assert.deepEqual(devices.map((d) => d.device), ['sim-001', 'sim-002', 'sim-003']);
      assert.ok(devices.every((d) => d.online === false), 'offline after the simulator stopped');

      await waitFor('600 telemetry events on the bus', () => forwarded.size === 600, 15_000);
      await sub.stop();
    });

    it('never stores a duplicate (same device + seq) twice', async () => {
      const ref: DeviceRef = { site, device: 'dup-1' };
      const client = await mqtt.connectAsync(env.mqttUrl, { clientId: `dup-${site}` });
      const body = JSON.stringify({ ts: Date.now(), seq: 42, readings: { temperature: 40.5, pressure: 2.1 } });
      for (let i = 0; i < 3; i++) await client.publishAsync(mqttTopic.telemetry(ref), body, { qos: 1 });
      await client.publishAsync(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: 43, readings: { temperature: 40.6 } }), { qos: 1 });
      await client.endAsync();
      const rows = () => env.db.db.selectFrom('readings').select(['seq', 'key']).where('device_id', '=', `${site}/dup-1`).execute();
      await waitFor('seq 43 stored', async () => (await rows()).some((r) => Number(r.seq) === 43), 10_000);
      const all = await rows();
      assert.equal(all.filter((r) => Number(r.seq) === 42).length, 2, 'two readings of seq 42, once each');
    });

    it('dead-letters every kind of bad input with its reason and keeps running', async () => {
      const device = 'bad-1';
      const ref: DeviceRef = { site, device };
      const client = await mqtt.connectAsync(env.mqttUrl, { clientId: `bad-${site}` });
      const telemetry = mqttTopic.telemetry(ref);
      const now = Date.now();
      const frame = encodeFrame({ kind: 'thermal', ts: now, seq: 9, width: 32, height: 24, celsius: new Float32Array(768).fill(30) });
      const shapeMismatch = new Uint8Array(frame.subarray(0, frame.byteLength - 40));
      new DataView(shapeMismatch.buffer).setUint32(28, shapeMismatch.byteLength - FRAME_HEADER_BYTES, true);
      const cases: Array<[string, string | Uint8Array, RegExp]> = [
        [telemetry, '{"ts": 1, "seq":', /malformed JSON/],
        [telemetry, JSON.stringify({ ts: now, seq: 'x', readings: { t: 1 } }), /seq/],
        [telemetry, `{"ts":${now},"seq":2,"readings":{"t":NaN}}`, /malformed JSON/],
        [telemetry, JSON.stringify({ ts: now, seq: 3, readings: { t: 1 }, extra: true }), /extra/],
        [telemetry, JSON.stringify({ ts: now, seq: 4, readings: { t: 1 }, pad: 'x'.repeat(5000) }), /above the 4096-byte limit/],
        [telemetry, JSON.stringify({ ts: now + 3_600_000, seq: 5, readings: { t: 1 } }), /in the future/],
        [telemetry, JSON.stringify({ ts: now - 30 * 86_400_000, seq: 6, readings: { t: 1 } }), /older than/],
        [mqttTopic.frame(ref, 'thermal'), shapeMismatch, /32×24/],
      ];
      for (const [topic, payload] of cases) await client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
      await client.publishAsync(telemetry, JSON.stringify({ ts: now, seq: 100, readings: { t: 21 } }), { qos: 1 });
      await client.endAsync();

      const letters = () => env.db.db.selectFrom('dead_letters').selectAll().where('device_id', '=', `${site}/${device}`).orderBy('id').execute();
      await waitFor('8 dead letters', async () => (await letters()).length >= cases.length, 10_000);
      const rows = await letters();
      assert.equal(rows.length, cases.length);
      cases.forEach(([, , reason], i) => assert.match(rows[i]!.reason, reason, `case ${i}`));
      assert.ok(rows.every((r) => r.payload.byteLength <= 4096 + 1024), 'payloads bounded');
      await waitFor('the valid message after the bad ones', async () => {
        const r = await env.db.db.selectFrom('readings').select('seq').where('device_id', '=', `${site}/${device}`).execute();
        return r.length === 1 && Number(r[0]!.seq) === 100;
      });
    });

    it('serves devices and readings over the read API', async () => {
      const base = `${env.httpUrl}/api/v1`;
      const list = (await (await fetch(`${base}/devices?site=${site}`, { headers: bearer() })).json()) as { items: { id: string }[] };
      assert.ok(list.items.some((d) => d.id === `${site}/sim-001`));
      const page1 = await fetch(`${base}/devices/${site}/sim-001/readings?limit=5`, { headers: bearer() });
      assert.equal(page1.status, 200);
      const body = (await page1.json()) as { items: { time: string; key: string }[]; next: string | null };
      assert.equal(body.items.length, 5);
      assert.ok(body.next);
      const page2 = (await (await fetch(`${base}/devices/${site}/sim-001/readings?limit=5&cursor=${body.next}`, { headers: bearer() })).json()) as { items: { time: string; key: string }[] };
      assert.notDeepEqual(page2.items[0], body.items[0]);
      const bad = await fetch(`${base}/devices/${site}/sim-001/readings?limit=0`, { headers: bearer() });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { field: string }).field, 'limit');
      assert.equal((await fetch(`${base}/devices/${site}/nope/readings`, { headers: bearer() })).status, 404);
      assert.equal((await fetch(`${base}/devices/${site}/sim-001/readings?from=yesterday`, { headers: bearer() })).status, 400);
      assert.equal((await fetch(`${env.httpUrl}/readyz`)).status, 200);
      assert.match(await (await fetch(`${env.httpUrl}/metrics`)).text(), /pm_ingest_rejected_total\{reason="json"/);
    });
  });
}
