import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as mqttConnect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import {
  CredentialStore,
  EmbeddedBroker,
  PortInUseError,
  aclRuleLines,
  deviceUsername,
  mosquittoDevicePatterns,
  mosquittoUserBlock,
  type BrokerLogger,
  type BrokerMetrics,
  type ServiceRole,
} from '@premonitor/broker';
import { MosquittoProcess } from '@premonitor/broker/mosquitto-process';
import { coreClientId, mqttTopic, type DeviceRef } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { reachable, servicesRequired } from './support/real-services.js';
import { waitFor } from './support/wait.js';

/**
 * One ACL and session-safety contract, run against the embedded broker (Aedes) and a real
 * Mosquitto 2 started from the project's mosquitto/ config. Where the two legitimately
 * differ the harness says so and the contract asserts what matters: nothing crosses the
 * ACL, no client takes over another's session, nothing queued for ingest is lost.
 */
interface BrokerUnderTest {
  /** Where devices connect (Mosquitto: the device listener). */
  readonly deviceUrl: string;
  /** Where core services connect (Mosquitto: the core listener; Aedes: the same port). */
  readonly coreUrl: string;
  /** The TLS listener and the CA that signed its certificate. */
  readonly tlsUrl: string;
  readonly ca: Buffer;
  /** SUBACK 0x80 for a filter outside the ACL (otherwise: granted, but nothing delivered). */
  readonly refusesForbiddenSubscribe: boolean;
  /** CONNACK 5 for a will outside the ACL (otherwise: connected, will never delivered). */
  readonly refusesForbiddenWill: boolean;
  /** A core account may use only its own client ids (Mosquitto 2.0 cannot tell core accounts apart). */
  readonly bindsCoreClientIds: boolean;
  /** Retained messages only on the topics that need them (Mosquitto 2.0 cannot limit retain per topic). */
  readonly limitsRetain: boolean;
  /** How often the broker counted (Aedes metrics) or logged (Mosquitto) an event; undefined when it cannot tell. */
  counted(event: 'credentials' | 'too-large' | 'retain' | 'forward'): number | undefined;
  /** Gives a core account another role, as an operator would. */
  setRole(username: string, role: ServiceRole): Promise<void>;
  stop(): Promise<void>;
}

const PUMP7: DeviceRef = { site: 'plant-1', device: 'pump-7' };
const PUMP8: DeviceRef = { site: 'plant-1', device: 'pump-8' };
const OTHER_SITE_PUMP7: DeviceRef = { site: 'plant-2', device: 'pump-7' };
const CORE_ROLES = new Map<string, ServiceRole>([
  ['ingest', 'ingest'],
  ['model-sync', 'model-sync'],
  ['fusion', 'fusion'],
]);
const PASSWORDS = new Map<string, string>([
  ['ingest', 'core-password-for-tests'],
  ['model-sync', 'model-sync-password-for-tests'],
  ['fusion', 'fusion-password-for-tests'],
  [deviceUsername(PUMP7), 'pump-7-password-xyz'],
  [deviceUsername(PUMP8), 'pump-8-password-xyz'],
  [deviceUsername(OTHER_SITE_PUMP7), 'plant-2-pump-7-password'],
]);
const DEVICES = [PUMP7, PUMP8, OTHER_SITE_PUMP7];
const silent: BrokerLogger = createLogger({ service: 'broker-test', level: 'silent' });
let clientSeq = 0;
const open: MqttClient[] = [];

interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

const inboxes = new WeakMap<MqttClient, Received[]>();

/** A core account's own client id, unique per connection: `premonitor-{account}.t{pid}-{n}`. */
function coreId(username: string): string {
  return coreClientId(username, `t${process.pid}-${++clientSeq}`);
}

/**
 * Connects with reconnects off; every message is recorded from the first packet on (see
 * `received`). Core accounts get one of their own client ids; devices ask for an arbitrary
 * one, which both brokers replace with the username.
 */
function connect(url: string, username: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqttConnect(url, {
    username,
    password: PASSWORDS.get(username) ?? 'wrong-password',
    clientId: CORE_ROLES.has(username) ? coreId(username) : `t-${process.pid}-${++clientSeq}`,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  const inbox: Received[] = [];
  inboxes.set(client, inbox);
  // Attached before CONNACK: a persistent session's queue arrives right behind it.
  client.on('message', (topic, payload, packet) => inbox.push({ topic, payload: payload.toString(), retain: packet.retain }));
  open.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** Everything `client` has received so far (a live array). */
function received(client: MqttClient): Received[] {
  return inboxes.get(client) ?? [];
}

/** The SUBACK code for one filter: 0–2 granted, 128 refused. */
function subscribe(client: MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  return new Promise((resolve, reject) => {
    client.subscribe(filter, { qos }, (err, granted) => {
      // mqtt.js reports a refused filter as an error carrying the SUBACK packet.
      const code = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
      if (code !== undefined && code >= 0x80) return resolve(code);
      if (err) return reject(err);
      resolve(granted?.[0]?.qos ?? -1);
    });
  });
}

async function connectRefusal(url: string, username: string, options: IClientOptions = {}): Promise<number | string | undefined> {
  try {
    await connect(url, username, options);
    return undefined;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'number' ? code : (err as Error).message;
  }
}

async function closedByBroker(client: MqttClient): Promise<void> {
  await waitFor('the broker to close the connection', () => !client.connected);
}

const distinct = (client: MqttClient, prefix: string) => new Set(received(client).filter((m) => m.payload.startsWith(prefix)).map((m) => m.payload)).size;

/** A core subscriber with a persistent session on every device's telemetry, as ingest holds it. */
async function ingestSession(broker: BrokerUnderTest, clientId: string): Promise<MqttClient> {
  const client = await connect(broker.coreUrl, 'ingest', { clientId, clean: false });
  assert.equal(await subscribe(client, 'premonitor/v1/+/+/telemetry'), 1);
  return client;
}

async function publishMany(client: MqttClient, topic: string, prefix: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => client.publishAsync(topic, `${prefix}${i}`, { qos: 1 })));
}

function brokerContract(name: string, setup: () => Promise<BrokerUnderTest | string>): void {
  describe(`broker contract: ${name}`, () => {
    let broker: BrokerUnderTest | undefined;
    let skipReason: string | undefined;
    before(async () => {
      const result = await setup();
      if (typeof result === 'string') skipReason = result;
      else broker = result;
    });
    after(async () => {
      await Promise.all(open.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
      await broker?.stop();
    });
    const b = (t: { skip: (why: string) => void }): BrokerUnderTest | undefined => {
      if (skipReason) t.skip(skipReason);
      return broker;
    };

    it('refuses a wrong password and an unknown username with CONNACK 5, and counts them', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const before = broker.counted('credentials');
      assert.equal(await connectRefusal(broker.deviceUrl, deviceUsername(PUMP7), { password: 'not-the-password' }), 5);
      assert.equal(await connectRefusal(broker.deviceUrl, 'plant-9/ghost'), 5);
      assert.equal(await connectRefusal(broker.coreUrl, 'ingest', { password: undefined }), 5);
      if (before !== undefined) await waitFor('3 failed logins counted', () => broker.counted('credentials') === before + 3);
    });

    it("delivers a device's own telemetry to a core subscriber", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.coreUrl, 'ingest');
      const seen = received(core);
      assert.equal(await subscribe(core, 'premonitor/v1/+/+/telemetry'), 1);
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      await device.publishAsync(mqttTopic.telemetry(PUMP7), '{"t":1}', { qos: 1 });
      await waitFor('telemetry at core', () => seen.find((m) => m.payload === '{"t":1}'));
      assert.equal(seen[0]?.topic, mqttTopic.telemetry(PUMP7));
    });

    it("drops a publish on another device's topics without disconnecting the sender", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.coreUrl, 'ingest');
      const seen = received(core);
      for (const filter of ['premonitor/v1/+/+/telemetry', 'premonitor/v1/+/+/status']) assert.equal(await subscribe(core, filter), 1);
      const sync = await connect(broker.coreUrl, 'model-sync');
      const syncSeen = received(sync);
      assert.equal(await subscribe(sync, 'premonitor/v1/+/+/status'), 1);
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      await device.publishAsync(mqttTopic.telemetry(PUMP8), 'forged-same-site', { qos: 1 });
      await device.publishAsync(mqttTopic.telemetry(OTHER_SITE_PUMP7), 'forged-other-site', { qos: 1 });
      await device.publishAsync(mqttTopic.status(PUMP8), 'forged-status', { qos: 1 });
      await device.publishAsync(mqttTopic.model(PUMP7, 'acoustic'), 'forged-own-model', { qos: 1, retain: true });
      await device.publishAsync('elsewhere/topic', 'forged-outside-root', { qos: 1 });
      await device.publishAsync(mqttTopic.telemetry(PUMP7), 'marker', { qos: 1 });
      await device.publishAsync(mqttTopic.status(PUMP7), 'marker-status', { qos: 1 });
      await waitFor('markers at core', () => seen.find((m) => m.payload === 'marker') && syncSeen.find((m) => m.payload === 'marker-status'));
      assert.deepEqual([...seen, ...syncSeen].filter((m) => m.payload.startsWith('forged')), []);
      assert.ok(device.connected, 'a refused publish must not cost the device its connection');
    });

    it('no core account can publish as a device; model-sync writes only models and commands', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const observer = await connect(broker.coreUrl, 'ingest');
      const seen = received(observer);
      for (const filter of ['premonitor/v1/+/+/telemetry', 'premonitor/v1/+/+/status', 'premonitor/v1/+/+/edge-alert', 'premonitor/v1/+/+/frame/+']) {
        assert.equal(await subscribe(observer, filter), 1);
      }
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP8));
      const deviceSeen = received(device);
      assert.equal(await subscribe(device, 'premonitor/v1/plant-1/pump-8/model/+'), 1);
      assert.equal(await subscribe(device, 'premonitor/v1/plant-1/pump-8/command/#'), 1);
      for (const username of ['ingest', 'model-sync']) {
        const core = await connect(broker.coreUrl, username);
        for (const topic of [mqttTopic.telemetry(PUMP8), mqttTopic.status(PUMP8), mqttTopic.edgeAlert(PUMP8), mqttTopic.frame(PUMP8, 'acoustic'), mqttTopic.frame(PUMP8, 'thermal')]) {
          await core.publishAsync(topic, `forged-by-${username}`, { qos: 1 });
        }
        if (username === 'ingest') await core.publishAsync(mqttTopic.model(PUMP8, 'thermal'), 'forged-model-by-ingest', { qos: 1 });
        assert.ok(core.connected);
      }
      const sync = await connect(broker.coreUrl, 'model-sync');
      await sync.publishAsync(mqttTopic.model(PUMP8, 'thermal'), 'model-from-sync', { qos: 1 });
      await sync.publishAsync('premonitor/v1/plant-1/pump-8/command/heartbeat', 'heartbeat-from-sync', { qos: 1 });
      await device.publishAsync(mqttTopic.telemetry(PUMP8), 'marker', { qos: 1 });
      await waitFor('marker at the observer', () => seen.find((m) => m.payload === 'marker'));
      await waitFor('model and command at the device', () => deviceSeen.length >= 2);
      assert.deepEqual(seen.filter((m) => m.payload.startsWith('forged')), []);
      assert.deepEqual(deviceSeen.map((m) => m.payload).sort(), ['heartbeat-from-sync', 'model-from-sync']);
    });

    it("refuses (or never serves) subscriptions beyond the account's own topics, retained ones included", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const sync = await connect(broker.coreUrl, 'model-sync');
      await sync.publishAsync(mqttTopic.model(PUMP8, 'acoustic'), 'retained-for-pump-8', { qos: 1, retain: true });
      const neighbour = await connect(broker.deviceUrl, deviceUsername(PUMP8));
      await neighbour.publishAsync(mqttTopic.status(PUMP8), 'retained-status-of-pump-8', { qos: 1, retain: true });

      const device = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      const seen = received(device);
      for (const filter of ['#', 'premonitor/v1/#', 'premonitor/v1/plant-1/+/model/+', mqttTopic.model(PUMP8, 'acoustic'), mqttTopic.telemetry(PUMP7), mqttTopic.status(PUMP8)]) {
        const code = await subscribe(device, filter);
        if (broker.refusesForbiddenSubscribe) assert.equal(code, 128, `SUBACK for ${filter}`);
      }
      assert.equal(await subscribe(device, `premonitor/v1/plant-1/pump-7/model/+`), 1);
      assert.equal(await subscribe(device, `premonitor/v1/plant-1/pump-7/command/#`), 1);
      // model-sync may read status but not telemetry.
      const syncSeen = received(sync);
      const syncCode = await subscribe(sync, 'premonitor/v1/+/+/telemetry');
      if (broker.refusesForbiddenSubscribe) assert.equal(syncCode, 128);

      await sync.publishAsync(mqttTopic.model(PUMP8, 'thermal'), 'not-for-pump-7', { qos: 1 });
      await neighbour.publishAsync(mqttTopic.telemetry(PUMP8), 'not-for-pump-7-nor-model-sync', { qos: 1 });
      await sync.publishAsync(mqttTopic.model(PUMP7, 'thermal'), 'own-model', { qos: 1 });
      await waitFor('own model at device', () => seen.find((m) => m.payload === 'own-model'));
      assert.deepEqual(seen.filter((m) => !m.topic.startsWith('premonitor/v1/plant-1/pump-7/model/')), []);
      assert.deepEqual(syncSeen.filter((m) => m.topic.endsWith('/telemetry')), []);
      await sync.publishAsync(mqttTopic.model(PUMP8, 'acoustic'), '', { qos: 1, retain: true });
      await neighbour.publishAsync(mqttTopic.status(PUMP8), '', { qos: 1, retain: true });
    });

    it("delivers a device its own retained alert state and never another device's", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const fusion = await connect(broker.coreUrl, 'fusion');
      await fusion.publishAsync(mqttTopic.alert(PUMP8), '{"for":"pump-8"}', { qos: 1, retain: true });
      await fusion.publishAsync(mqttTopic.alert(OTHER_SITE_PUMP7), '{"for":"plant-2/pump-7"}', { qos: 1, retain: true });
      await fusion.publishAsync(mqttTopic.alert(PUMP7), '{"for":"pump-7"}', { qos: 1, retain: true });
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      const seen = received(device);
      for (const filter of [mqttTopic.alert(PUMP8), mqttTopic.alert(OTHER_SITE_PUMP7), 'premonitor/v1/+/+/alert', 'premonitor/v1/plant-1/+/alert']) {
        const code = await subscribe(device, filter);
        if (broker.refusesForbiddenSubscribe) assert.equal(code, 128, `SUBACK for ${filter}`);
      }
      assert.equal(await subscribe(device, mqttTopic.alert(PUMP7)), 1);
      const own = await waitFor('own retained alert state', () => seen.find((m) => m.topic === mqttTopic.alert(PUMP7)));
      assert.deepEqual(own, { topic: mqttTopic.alert(PUMP7), payload: '{"for":"pump-7"}', retain: true });
      await fusion.publishAsync(mqttTopic.alert(PUMP8), '{"live":"pump-8"}', { qos: 1 });
      await fusion.publishAsync(mqttTopic.alert(PUMP7), '{"live":"pump-7"}', { qos: 1 });
      await waitFor('own live alert state', () => seen.find((m) => m.payload === '{"live":"pump-7"}'));
      assert.deepEqual(seen.filter((m) => m.topic !== mqttTopic.alert(PUMP7)), [], "another device's alert state reached pump-7");
      // A device cannot forge its own alert state.
      await device.publishAsync(mqttTopic.alert(PUMP7), 'forged', { qos: 1 });
      await fusion.publishAsync(mqttTopic.alert(PUMP7), '{"after":"forge"}', { qos: 1 });
      await waitFor('marker after the forgery', () => seen.find((m) => m.payload === '{"after":"forge"}'));
      assert.equal(seen.filter((m) => m.payload === 'forged').length, 0);
      for (const ref of [PUMP7, PUMP8, OTHER_SITE_PUMP7]) await fusion.publishAsync(mqttTopic.alert(ref), '', { qos: 1, retain: true });
    });

    it('delivers its own retained model announcement to a device that subscribes later', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const sync = await connect(broker.coreUrl, 'model-sync');
      await sync.publishAsync(mqttTopic.model(PUMP7, 'forecast'), '{"version":"3"}', { qos: 1, retain: true });
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      const seen = received(device);
      assert.equal(await subscribe(device, mqttTopic.model(PUMP7, 'forecast')), 1);
      const got = await waitFor('retained model', () => seen.find((m) => m.topic === mqttTopic.model(PUMP7, 'forecast')));
      assert.deepEqual(got, { topic: mqttTopic.model(PUMP7, 'forecast'), payload: '{"version":"3"}', retain: true });
      await sync.publishAsync(mqttTopic.model(PUMP7, 'forecast'), '', { qos: 1, retain: true });
    });

    it('keeps a retained message only on a device status (Mosquitto 2.0: on every own topic)', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const live = await connect(broker.coreUrl, 'ingest');
      assert.equal(await subscribe(live, mqttTopic.telemetry(OTHER_SITE_PUMP7)), 1);
      const device = await connect(broker.deviceUrl, deviceUsername(OTHER_SITE_PUMP7));
      const before = broker.counted('retain');
      await device.publishAsync(mqttTopic.telemetry(OTHER_SITE_PUMP7), 'retained-telemetry', { qos: 1, retain: true });
      await device.publishAsync(mqttTopic.status(OTHER_SITE_PUMP7), 'x'.repeat(20_000), { qos: 1, retain: true });
      await device.publishAsync(mqttTopic.status(OTHER_SITE_PUMP7), 'small-retained-status', { qos: 1, retain: true });
      await waitFor('the telemetry delivered live all the same', () => received(live).find((m) => m.payload === 'retained-telemetry'));

      const later = await connect(broker.coreUrl, 'ingest');
      const seen = received(later);
      assert.equal(await subscribe(later, mqttTopic.telemetry(OTHER_SITE_PUMP7)), 1);
      assert.equal(await subscribe(later, mqttTopic.status(OTHER_SITE_PUMP7)), 1);
      await waitFor('retained status', () => seen.find((m) => m.payload === 'small-retained-status'));
      await new Promise((r) => setTimeout(r, 200));
      const retainedTelemetry = seen.filter((m) => m.payload === 'retained-telemetry');
      if (broker.limitsRetain) {
        assert.deepEqual(retainedTelemetry, [], 'retained telemetry is delivered, never stored');
        await waitFor('both refusals counted', () => broker.counted('retain') === (before ?? 0) + 2);
      } else {
        // The documented gap (mosquitto/README.md, "Retained messages"): one message per own topic.
        assert.equal(retainedTelemetry.length, 1);
      }
      await device.publishAsync(mqttTopic.telemetry(OTHER_SITE_PUMP7), '', { qos: 1, retain: true });
      await device.publishAsync(mqttTopic.status(OTHER_SITE_PUMP7), '', { qos: 1, retain: true });
    });

    it('refuses a packet above the size limit by closing the connection; the 32 MiB retained publish is never stored', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const before = broker.counted('too-large') ?? 0;
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP8));
      device.publish(mqttTopic.status(PUMP8), Buffer.alloc(2 * 1024 * 1024), { qos: 1, retain: true });
      await closedByBroker(device);
      // The case: a 32 MiB retained PUBLISH. Only its header is sent; the broker must cut the connection on it.
      const raw = await connect(broker.deviceUrl, deviceUsername(PUMP8));
      raw.stream.write(Buffer.from([0x31, 0x80, 0x80, 0x80, 0x10, 0x00, 0x05, ...Buffer.from('topic')]));
      await closedByBroker(raw);
      const later = await connect(broker.coreUrl, 'ingest');
      assert.equal(await subscribe(later, mqttTopic.status(PUMP8)), 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(received(later), [], 'nothing oversized was retained');
      if (broker.counted('too-large') !== undefined) await waitFor('2 oversized packets counted', () => broker.counted('too-large') === before + 2);
    });

    it('a device asking for a core client id cannot take over ingest: ingest keeps its session and loses nothing', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const ingestId = coreClientId('ingest', `takeover-${process.pid}`);
      const ingest = await ingestSession(broker, ingestId);
      const publisher = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      // The attacker: a valid device asking for ingest's id with a persistent session, on the device and on the core URL.
      const attackers: MqttClient[] = [];
      for (const url of [broker.deviceUrl, broker.coreUrl]) {
        const result = await connect(url, deviceUsername(PUMP8), { clientId: ingestId, clean: false }).catch((err: { code?: number }) => err.code);
        if (typeof result === 'number') assert.equal(result, 5, 'a device cannot log in on the core listener');
        else if (result) {
          attackers.push(result);
          assert.equal(await subscribe(result, '#'), broker.refusesForbiddenSubscribe ? 128 : 1);
        }
      }
      assert.ok(attackers.length >= 1, 'the device listener lets the device in (under its own id)');
      await publishMany(publisher, mqttTopic.telemetry(PUMP7), 'live', 100);
      await waitFor('100 live messages at ingest', () => distinct(ingest, 'live') === 100);
      assert.ok(ingest.connected, 'ingest was not kicked off');

      // Messages queued while ingest is away stay in its session, not the attacker's.
      await ingest.endAsync();
      await publishMany(publisher, mqttTopic.telemetry(PUMP7), 'queued', 50);
      const again = await connect(broker.deviceUrl, deviceUsername(PUMP8), { clientId: ingestId, clean: false });
      attackers.push(again);
      const back = await connect(broker.coreUrl, 'ingest', { clientId: ingestId, clean: false });
      await waitFor('50 queued messages at ingest', () => distinct(back, 'queued') === 50);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(attackers.flatMap((a) => received(a)), [], 'the device received nothing of ingest');
      assert.equal(distinct(back, 'queued'), 50);
    });

    it("a core account cannot use another core account's client id to read its queue", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const ingestId = coreClientId('ingest', `core-takeover-${process.pid}`);
      const ingest = await ingestSession(broker, ingestId);
      await ingest.endAsync();
      const publisher = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      await publishMany(publisher, mqttTopic.telemetry(PUMP7), 'for-ingest', 20);
      if (broker.bindsCoreClientIds) {
        assert.equal(await connectRefusal(broker.coreUrl, 'model-sync', { clientId: ingestId, clean: false }), 2, 'CONNACK 2: identifier rejected');
        const back = await connect(broker.coreUrl, 'ingest', { clientId: ingestId, clean: false });
        await waitFor('20 queued messages at ingest', () => distinct(back, 'for-ingest') === 20);
      } else {
        // Mosquitto 2.0 lets it in (README.md, "Session safety"), but checks read access on delivery.
        const thief = await connect(broker.coreUrl, 'model-sync', { clientId: ingestId, clean: false });
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(received(thief), []);
        await thief.endAsync();
        // What the takeover cost ingest, for mosquitto/README.md ("Session safety").
        const back = await connect(broker.coreUrl, 'ingest', { clientId: ingestId, clean: false });
        await new Promise((r) => setTimeout(r, 500));
        t.diagnostic(`Mosquitto: after a core takeover ingest received ${distinct(back, 'for-ingest')} of 20 queued messages`);
      }
    });

    it('a message queued for a session whose account lost read access is never delivered', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const ingestId = coreClientId('ingest', `revoked-${process.pid}`);
      const ingest = await ingestSession(broker, ingestId);
      await ingest.endAsync();
      const publisher = await connect(broker.deviceUrl, deviceUsername(PUMP7));
      await publishMany(publisher, mqttTopic.telemetry(PUMP7), 'before-revocation', 20);
      const forwardRefusals = broker.counted('forward');
      await broker.setRole('ingest', 'model-sync');
      try {
        const back = await connect(broker.coreUrl, 'ingest', { clientId: ingestId, clean: false });
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(received(back), [], 'nothing queued reached an account without read access');
        if (forwardRefusals !== undefined) assert.equal(broker.counted('forward'), forwardRefusals + 20);
        await back.endAsync();
      } finally {
        await broker.setRole('ingest', 'ingest');
      }
    });

    it("never delivers a will on another device's topic; delivers the device's own status will", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.coreUrl, 'ingest');
      const seen = received(core);
      assert.equal(await subscribe(core, 'premonitor/v1/+/+/status'), 1);
      const forged = { topic: mqttTopic.status(PUMP8), payload: Buffer.from('forged-will'), qos: 1 as const, retain: false };
      if (broker.refusesForbiddenWill) {
        assert.equal(await connectRefusal(broker.deviceUrl, deviceUsername(PUMP7), { will: forged }), 5);
      } else {
        const sneaky = await connect(broker.deviceUrl, deviceUsername(PUMP7), { will: forged });
        sneaky.stream.destroy();
      }
      const own = { topic: mqttTopic.status(PUMP7), payload: Buffer.from('own-will'), qos: 1 as const, retain: false };
      const honest = await connect(broker.deviceUrl, deviceUsername(PUMP7), { will: own });
      honest.stream.destroy();
      await waitFor('own will at core', () => seen.find((m) => m.payload === 'own-will'));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen.filter((m) => m.payload === 'forged-will'), []);
    });

    it('keeps every QoS 1 message for a persistent core session that falls behind (beyond 1000)', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const clientId = coreClientId('ingest', `durable-${process.pid}`);
      const first = await ingestSession(broker, clientId);
      await first.endAsync();
      const device = await connect(broker.deviceUrl, deviceUsername(PUMP8));
      const total = 1_500; // above Mosquitto's default max_queued_messages (1000)
      await publishMany(device, mqttTopic.telemetry(PUMP8), 'm', total);
      const again = await connect(broker.coreUrl, 'ingest', { clientId, clean: false });
      await waitFor(`${total} queued messages`, () => distinct(again, 'm') >= total, 20_000);
      assert.equal(distinct(again, 'm'), total);
    });

    it('serves TLS with its certificate and is refused by a client trusting another CA', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const device = await connect(broker.tlsUrl, deviceUsername(PUMP7), { ca: broker.ca });
      assert.ok(device.connected);
      const other = devCertificates();
      try {
        const refusal = await connectRefusal(broker.tlsUrl, deviceUsername(PUMP7), { ca: readFileSync(join(other, 'ca.crt')) });
        assert.match(String(refusal), /certificate/);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });
}

/** Runs mosquitto/make-dev-certs.sh into a new temporary folder. */
function devCertificates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pm-certs-'));
  execFileSync('bash', [new URL('../../mosquitto/make-dev-certs.sh', import.meta.url).pathname], { env: { ...process.env, MOSQUITTO_CERTS_DIR: dir }, stdio: 'ignore' });
  return dir;
}

/** A BrokerMetrics that counts every event by name (`connectRefused:credentials`, `retainRefused`, …). */
function countingMetrics(): { metrics: BrokerMetrics; count: (key: string) => number } {
  const counts = new Map<string, number>();
  const inc = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    count: (key) => counts.get(key) ?? 0,
    metrics: {
      connectRefused: (reason) => inc(`connectRefused:${reason}`),
      loginThrottled: (key) => inc(`loginThrottled:${key}`),
      loginHeld: () => inc('loginHeld'),
      packetRefused: (reason) => inc(`packetRefused:${reason}`),
      retainRefused: () => inc('retainRefused'),
      forwardRefused: () => inc('forwardRefused'),
      publishRefused: () => inc('publishRefused'),
      journalFull: () => inc('journalFull'),
    },
  };
}

async function embeddedCredentials(): Promise<CredentialStore> {
  const credentials = CredentialStore.inMemory({ scrypt: { N: 1024, r: 8, p: 1 } });
  for (const [username, role] of CORE_ROLES) await credentials.addService(username, role, PASSWORDS.get(username) ?? '');
  for (const ref of DEVICES) await credentials.addDevice(ref, PASSWORDS.get(deviceUsername(ref)) ?? '');
  return credentials;
}

brokerContract('embedded (Aedes)', async () => {
  const credentials = await embeddedCredentials();
  const certs = devCertificates();
  const { metrics, count } = countingMetrics();
  const tls = { port: 0, cert: readFileSync(join(certs, 'server.crt')), key: readFileSync(join(certs, 'server.key')) };
  const broker = new EmbeddedBroker({ port: 0, tls, credentials, logger: silent, metrics });
  await broker.start();
  return {
    deviceUrl: broker.url,
    coreUrl: broker.url,
    tlsUrl: broker.tlsUrl ?? '',
    ca: readFileSync(join(certs, 'ca.crt')),
    refusesForbiddenSubscribe: true,
    refusesForbiddenWill: true,
    bindsCoreClientIds: true,
    limitsRetain: true,
    counted: (event) =>
      count({ credentials: 'connectRefused:credentials', 'too-large': 'packetRefused:too-large', retain: 'retainRefused', forward: 'forwardRefused' }[event]),
    setRole: (username, role) => credentials.addService(username, role, PASSWORDS.get(username) ?? '', { replace: true }),
    async stop() {
      await broker.stop();
      rmSync(certs, { recursive: true, force: true });
    },
  };
});

brokerContract('Mosquitto 2 with mosquitto/ config', async () => {
  let mosquitto: MosquittoProcess;
  try {
    mosquitto = await MosquittoProcess.start({
      devices: new Map(DEVICES.map((ref) => [deviceUsername(ref), PASSWORDS.get(deviceUsername(ref)) ?? ''])),
      core: [...CORE_ROLES].map(([username, role]) => ({ username, role, password: PASSWORDS.get(username) ?? '' })),
    });
  } catch (err) {
    if (servicesRequired || !/not found/.test(String(err))) throw err;
    console.warn(`\n!!! SKIPPING Mosquitto broker contract: ${String(err)}\n`);
    return `SKIPPED: ${String(err)}`;
  }
  const logged = (pattern: RegExp) => mosquitto.log.split('\n').filter((l) => pattern.test(l)).length;
  return {
    deviceUrl: mosquitto.deviceUrl,
    coreUrl: mosquitto.coreUrl,
    tlsUrl: mosquitto.tlsUrl,
    ca: readFileSync(mosquitto.caFile),
    refusesForbiddenSubscribe: false,
    refusesForbiddenWill: false,
    bindsCoreClientIds: false,
    limitsRetain: false,
    counted: (event) => (event === 'credentials' ? logged(/disconnected, not authorised/) : event === 'too-large' ? logged(/oversize packet/) : undefined),
    setRole: (username, role) => mosquitto.setCoreRole(username, role),
    stop: () => mosquitto.stop(),
  };
});

describe('the shipped Mosquitto ACLs match the grants the embedded broker enforces', () => {
  const shipped = (name: string) => aclRuleLines(readFileSync(new URL(`../../mosquitto/${name}`, import.meta.url), 'utf8'));

  it('mosquitto/acl holds exactly the device patterns', () => {
    assert.deepEqual(shipped('acl'), mosquittoDevicePatterns());
  });

  it('mosquitto/acl-core holds the ingest, model-sync and fusion blocks of their roles', () => {
    assert.deepEqual(shipped('acl-core'), [...mosquittoUserBlock('ingest', 'ingest'), ...mosquittoUserBlock('model-sync', 'model-sync'), ...mosquittoUserBlock('fusion', 'fusion')]);
  });
});

describe('EmbeddedBroker: login brute force', () => {
  /** An embedded broker with a manual clock and the given free failures; `advance` moves its clock. */
  async function throttledBroker(free: { username: number; address: number }) {
    let now = 1_000_000;
    const clock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined };
    const { metrics, count } = countingMetrics();
    const loginThrottle = { usernameFreeFailures: free.username, addressFreeFailures: free.address, baseLockoutMs: 10_000, maxLockoutMs: 60_000, forgetAfterMs: 3_600_000, maxKeys: 1_000 };
    const broker = new EmbeddedBroker({ port: 0, credentials: await embeddedCredentials(), logger: silent, metrics, loginThrottle, clock });
    await broker.start();
    return { broker, count, advance: (ms: number) => void (now += ms) };
  }

  it('locks a username out after repeated failures, refuses even the right password meanwhile, and counts it', async () => {
    const { broker, count, advance } = await throttledBroker({ username: 3, address: 1_000 });
    try {
      const user = deviceUsername(PUMP7);
      for (let i = 0; i < 4; i++) assert.equal(await connectRefusal(broker.url, user, { password: `guess-${i}-xxxxxxxx` }), 5);
      assert.equal(count('connectRefused:credentials'), 4);
      // Locked out: the right password is refused without being checked, and a refusal is not a new failure.
      assert.equal(await connectRefusal(broker.url, user), 5);
      assert.equal(count('loginThrottled:username'), 1);
      assert.equal(count('connectRefused:credentials'), 4);
      const other = await connect(broker.url, deviceUsername(PUMP8));
      assert.ok(other.connected, 'other accounts are not affected');
      advance(10_000);
      const back = await connect(broker.url, user);
      assert.ok(back.connected, 'the right password works once the lockout is over');
      await Promise.all([other, back].map((c) => c.endAsync()));
    } finally {
      await broker.stop();
    }
  });

  it('locks a remote address out across usernames', async () => {
    const { broker, count } = await throttledBroker({ username: 1_000, address: 5 });
    try {
      for (let i = 0; i < 6; i++) assert.equal(await connectRefusal(broker.url, `plant-1/guess-${i}`), 5);
      assert.equal(await connectRefusal(broker.url, deviceUsername(PUMP8)), 5);
      assert.equal(count('loginThrottled:address'), 1);
      assert.equal(count('connectRefused:credentials'), 6);
    } finally {
      await broker.stop();
    }
  });
});

describe('EmbeddedBroker lifecycle', () => {
  it('names the port and the setting to change when the port is taken', async () => {
    const first = new EmbeddedBroker({ port: 0, credentials: CredentialStore.inMemory(), logger: silent });
    await first.start();
    try {
      const second = new EmbeddedBroker({ port: first.port, credentials: CredentialStore.inMemory(), logger: silent, portSetting: 'PREMONITOR_MQTT_PORT' });
      await assert.rejects(second.start(), (err: unknown) => {
        assert.ok(err instanceof PortInUseError);
        assert.match(err.message, new RegExp(`port ${first.port}\\b`));
        assert.match(err.message, /PREMONITOR_MQTT_PORT/);
        return true;
      });
    } finally {
      await first.stop();
    }
  });

  it('warns loudly when started without credentials, and then lets anonymous clients in', async () => {
    const warnings: string[] = [];
    const logger: BrokerLogger = { ...silent, warn: ((_obj: object, msg?: string) => void warnings.push(msg ?? '')) as BrokerLogger['warn'] };
    const broker = new EmbeddedBroker({ port: 0, credentials: null, logger });
    await broker.start();
    try {
      assert.ok(warnings.some((w) => w.includes('WITHOUT AUTHENTICATION')));
      const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
      assert.equal(broker.connectedClients, 1);
      await client.endAsync();
    } finally {
      await broker.stop();
    }
  });

  it('refuses an oversized CONNECT before login', async () => {
    const broker = new EmbeddedBroker({ port: 0, credentials: await embeddedCredentials(), logger: silent });
    await broker.start();
    try {
      const socket = tcpConnect({ host: '127.0.0.1', port: broker.port });
      await new Promise((resolve) => socket.once('connect', resolve));
      let gone = false;
      socket.once('close', () => (gone = true));
      // CONNECT declaring 1 MiB of body: above the 64 KiB CONNECT limit.
      socket.write(Buffer.from([0x10, 0x80, 0x80, 0x40]));
      await waitFor('the broker to close the connection', () => gone);
    } finally {
      await broker.stop();
    }
  });

  it('holds device logins until admitDevices(), keeping core logins open meanwhile', async () => {
    const { metrics, count } = countingMetrics();
    const broker = new EmbeddedBroker({ port: 0, credentials: await embeddedCredentials(), logger: silent, metrics, admitDevices: false });
    await broker.start();
    try {
      const core = await connect(broker.url, 'ingest');
      let admitted = false;
      const device = connect(broker.url, deviceUsername(PUMP7)).then((c) => ((admitted = true), c));
      await waitFor('the device login held', () => count('loginHeld') === 1);
      assert.equal(admitted, false, 'no CONNACK while devices are not admitted');
      await broker.admitDevices();
      assert.ok((await device).connected);
      await Promise.all([core.endAsync(), (await device).endAsync()]);
    } finally {
      await broker.stop();
    }
  });

  it('refuseDevices() cuts devices off and holds their logins, keeps core sessions, and unacknowledged() counts what a session holds until it acknowledges', async () => {
    const { metrics, count } = countingMetrics();
    const broker = new EmbeddedBroker({ port: 0, credentials: await embeddedCredentials(), logger: silent, metrics });
    await broker.start();
    try {
      const ingestId = coreId('ingest');
      const first = await connect(broker.url, 'ingest', { clean: false, clientId: ingestId });
      await first.subscribeAsync(mqttTopic.telemetry(PUMP7), { qos: 1 });
      await first.endAsync();
      const device = await connect(broker.url, deviceUsername(PUMP7));
      const cut = new Promise((resolve) => device.once('close', () => resolve(undefined)));
      for (let seq = 1; seq <= 3; seq++) await device.publishAsync(mqttTopic.telemetry(PUMP7), JSON.stringify({ ts: Date.now(), seq, readings: { t: 1 } }), { qos: 1 });
      assert.equal(await broker.unacknowledged(ingestId), 3, 'queued for the offline session');

      await broker.refuseDevices();
      await cut;
      let again = false;
      void connect(broker.url, deviceUsername(PUMP7)).then(() => (again = true), () => undefined);
      await waitFor('the device login held', () => count('loginHeld') === 1);

      const received: string[] = [];
      const back = await connect(broker.url, 'ingest', { clean: false, clientId: ingestId });
      back.on('message', (topic) => received.push(topic));
      await waitFor('the session handed over and acknowledged', async () => received.length === 3 && (await broker.unacknowledged(ingestId)) === 0);
      assert.equal(again, false, 'the device stays out');
      await back.endAsync();
      await device.endAsync(true);
    } finally {
      await broker.stop();
    }
  });

  it('stop() hands a connected core subscriber everything the broker acknowledged to publishers before it lets go', async () => {
    // Aedes keeps sessions in memory: a message acknowledged to its publisher and not yet to the
    // persistent subscriber is gone once the broker stops. stop() must not stop in that state.
    const broker = new EmbeddedBroker({ port: 0, credentials: null, logger: silent });
    await broker.start();
    const received = new Set<number>();
    const core = await connectAsync(broker.url, { clean: false, clientId: 'stop-core-sub', reconnectPeriod: 0 });
    core.on('message', (_topic, payload) => received.add(Number(payload.toString())));
    await core.subscribeAsync('stop/#', { qos: 1 });
    const device = await connectAsync(broker.url, { clientId: 'stop-device', reconnectPeriod: 0 });
    const acknowledged = new Set<number>();
    // Hundreds in flight at once, so the stop lands while some are between the two sides.
    for (let id = 0; id < 3_000; id++) void device.publishAsync('stop/telemetry', String(id), { qos: 1 }).then(() => acknowledged.add(id), () => undefined);
    await waitFor('the run under way', () => acknowledged.size >= 300);
    await broker.stop();
    const lost = [...acknowledged].filter((id) => !received.has(id));
    assert.ok(acknowledged.size < 3_000, 'the stop came before the publisher finished');
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.size} acknowledged messages never reached the subscriber`);
    await Promise.all([core.endAsync(true), device.endAsync(true)]);
  });

  it('refuses a journal it could not keep safe, saying why', () => {
    const journal = { dir: join(tmpdir(), 'pm-never-created'), maxBytes: 1_000, storedBy: [coreId('ingest')] };
    assert.throws(() => new EmbeddedBroker({ port: 0, credentials: null, logger: silent, admitDevices: false, journal }), /journal needs credentials/);
    assert.throws(() => new EmbeddedBroker({ port: 0, credentials: CredentialStore.inMemory(), logger: silent, journal }), /journal needs `admitDevices: false`/);
  });

  it('with a journal, what the storing session has not acknowledged is published again by the next broker on the folder, and a full journal refuses device messages until it is stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-broker-journal-'));
    const ingestId = coreId('ingest');
    const { metrics, count } = countingMetrics();
    const journaled = (credentials: CredentialStore) =>
      new EmbeddedBroker({ port: 0, credentials, logger: silent, metrics, admitDevices: false, journal: { dir, maxBytes: 1_000, storedBy: [ingestId], checkpointIntervalMs: 20 } });
    const reading = (seq: number) => JSON.stringify({ ts: 1_700_000_000_000, seq, readings: { t: 1 } });
    const seqsOf = (client: MqttClient) => received(client).map((m) => (JSON.parse(m.payload) as { seq: number }).seq);
    const credentials = await embeddedCredentials();
    const first = journaled(credentials);
    await first.start();
    try {
      // Ingest subscribes and goes away: its session keeps (and the journal holds) what devices send.
      const ingest = await connect(first.url, 'ingest', { clean: false, clientId: ingestId });
      await ingest.subscribeAsync(mqttTopic.telemetry(PUMP7), { qos: 1 });
      await ingest.endAsync();
      await first.admitDevices();
      const device = await connect(first.url, deviceUsername(PUMP7));
      let acked = 0;
      while (device.connected) {
        const seq = acked + 1;
        const ok = await Promise.race([device.publishAsync(mqttTopic.telemetry(PUMP7), reading(seq), { qos: 1 }).then(() => true), closedByBroker(device).then(() => false)]);
        if (ok) acked = seq;
      }
      assert.ok(acked >= 5, `${acked} acknowledged before the journal was full`);
      assert.ok(count('journalFull') >= 1, 'the refusal is counted');
      await device.endAsync(true);

      // Ingest back: it stores (acknowledges) everything, the checkpoint frees the journal, devices are accepted again.
      const back = await connect(first.url, 'ingest', { clean: false, clientId: ingestId });
      await waitFor('the backlog handed to ingest', () => received(back).length === acked);
      await waitFor('the journal emptied by a checkpoint', () => readdirSync(dir).length <= 1);
      const again = await connect(first.url, deviceUsername(PUMP7));
      await again.publishAsync(mqttTopic.telemetry(PUMP7), reading(acked + 1), { qos: 1 });
      await waitFor('the new reading delivered', () => received(back).length === acked + 1);
      // Then ingest goes away again and two more are acknowledged: the broker stops holding them.
      await back.endAsync();
      for (const seq of [acked + 2, acked + 3]) await again.publishAsync(mqttTopic.telemetry(PUMP7), reading(seq), { qos: 1 });
      await again.endAsync(true);
      await first.stop();

      // The next broker on the folder (its sessions empty, like after a crash) publishes them again once ingest is subscribed.
      const second = journaled(credentials);
      await second.start();
      try {
        const fresh = await connect(second.url, 'ingest', { clean: false, clientId: ingestId });
        await fresh.subscribeAsync(mqttTopic.telemetry(PUMP7), { qos: 1 });
        await second.admitDevices();
        await waitFor('the journaled readings delivered again', () => seqsOf(fresh).includes(acked + 3));
        assert.deepEqual(seqsOf(fresh), [acked + 2, acked + 3]);
        await waitFor('the journal emptied once ingest acknowledged', () => readdirSync(dir).length === 0);
        await fresh.endAsync();
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() closes connected clients and the listener', async () => {
    const broker = new EmbeddedBroker({ port: 0, credentials: null, logger: silent });
    await broker.start();
    const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const closedPromise = new Promise((resolve) => client.once('close', () => resolve(undefined)));
    await broker.stop();
    await closedPromise;
    assert.equal(await reachable('127.0.0.1', broker.port), false);
    await client.endAsync(true);
  });
});
