import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect as mqttConnect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { CredentialStore, EmbeddedBroker, PortInUseError, deviceUsername, type BrokerLogger } from '@premonitor/broker';
import { mqttTopic, type DeviceRef } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { reachable, servicesRequired } from './support/real-services.js';
import { waitFor } from './support/wait.js';

/**
 * One ACL contract, run against the embedded broker (Aedes) and a real Mosquitto 2 started
 * from the project's mosquitto/ config. Where the two legitimately differ (Mosquitto's
 * acl_file grants a forbidden SUBSCRIBE but never delivers on it; it accepts a forbidden
 * will but never sends it) the harness says so and the contract asserts what matters to a
 * device: nothing crosses the ACL.
 */
interface BrokerUnderTest {
  readonly url: string;
  /** SUBACK 0x80 for a filter outside the ACL (otherwise: granted, but nothing delivered). */
  readonly refusesForbiddenSubscribe: boolean;
  /** CONNACK 5 for a will outside the ACL (otherwise: connected, will never delivered). */
  readonly refusesForbiddenWill: boolean;
  stop(): Promise<void>;
}

const PUMP7: DeviceRef = { site: 'plant-1', device: 'pump-7' };
const PUMP8: DeviceRef = { site: 'plant-1', device: 'pump-8' };
const OTHER_SITE_PUMP7: DeviceRef = { site: 'plant-2', device: 'pump-7' };
const PASSWORDS = new Map<string, string>([
  ['ingest', 'core-password-for-tests'],
  [deviceUsername(PUMP7), 'pump-7-password-xyz'],
  [deviceUsername(PUMP8), 'pump-8-password-xyz'],
  [deviceUsername(OTHER_SITE_PUMP7), 'plant-2-pump-7-password'],
]);
const silent: BrokerLogger = createLogger({ service: 'broker-test', level: 'silent' });
let clientSeq = 0;
const open: MqttClient[] = [];

interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

const inboxes = new WeakMap<MqttClient, Received[]>();

/** Connects with reconnects off; every message is recorded from the first packet on (see `received`). */
function connect(url: string, username: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqttConnect(url, {
    username,
    password: PASSWORDS.get(username) ?? 'wrong',
    clientId: `t-${process.pid}-${++clientSeq}`,
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

async function connectRefusal(url: string, username: string, options: IClientOptions = {}): Promise<number | undefined> {
  try {
    await connect(url, username, options);
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

function brokerContract(name: string, setup: () => Promise<BrokerUnderTest | string>): void {
  describe(`broker ACL contract: ${name}`, () => {
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

    it('refuses a wrong password and an unknown username with CONNACK 5', async (t) => {
      const broker = b(t);
      if (!broker) return;
      assert.equal(await connectRefusal(broker.url, deviceUsername(PUMP7), { password: 'not-the-password' }), 5);
      assert.equal(await connectRefusal(broker.url, 'plant-9/ghost'), 5);
      assert.equal(await connectRefusal(broker.url, 'ingest', { password: undefined }), 5);
    });

    it("delivers a device's own telemetry to a core subscriber", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.url, 'ingest');
      const seen = received(core);
      assert.equal(await subscribe(core, 'premonitor/v1/+/+/telemetry'), 1);
      const device = await connect(broker.url, deviceUsername(PUMP7));
      await device.publishAsync(mqttTopic.telemetry(PUMP7), '{"t":1}', { qos: 1 });
      await waitFor('telemetry at core', () => seen.find((m) => m.payload === '{"t":1}'));
      assert.equal(seen[0]?.topic, mqttTopic.telemetry(PUMP7));
    });

    it("drops a publish on another device's topics without disconnecting the sender", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.url, 'ingest');
      const seen = received(core);
      assert.equal(await subscribe(core, 'premonitor/v1/#'), 1);
      const device = await connect(broker.url, deviceUsername(PUMP7));
      await device.publishAsync(mqttTopic.telemetry(PUMP8), 'forged-same-site', { qos: 1 });
      await device.publishAsync(mqttTopic.telemetry(OTHER_SITE_PUMP7), 'forged-other-site', { qos: 1 });
      await device.publishAsync(mqttTopic.model(PUMP7, 'acoustic'), 'forged-own-model', { qos: 1, retain: true });
      await device.publishAsync('elsewhere/topic', 'forged-outside-root', { qos: 1 });
      await device.publishAsync(mqttTopic.telemetry(PUMP7), 'marker', { qos: 1 });
      await waitFor('marker at core', () => seen.find((m) => m.payload === 'marker'));
      assert.deepEqual(seen.filter((m) => m.payload.startsWith('forged')), []);
      assert.ok(device.connected, 'a refused publish must not cost the device its connection');
    });

    it("refuses (or never serves) subscriptions beyond the device's own model and command topics", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const device = await connect(broker.url, deviceUsername(PUMP7));
      const seen = received(device);
      for (const filter of ['#', 'premonitor/v1/#', 'premonitor/v1/plant-1/+/model/+', mqttTopic.model(PUMP8, 'acoustic'), mqttTopic.telemetry(PUMP7)]) {
        const code = await subscribe(device, filter);
        if (broker.refusesForbiddenSubscribe) assert.equal(code, 128, `SUBACK for ${filter}`);
      }
      assert.equal(await subscribe(device, `premonitor/v1/plant-1/pump-7/model/+`), 1);
      assert.equal(await subscribe(device, `premonitor/v1/plant-1/pump-7/command/#`), 1);

      const core = await connect(broker.url, 'ingest');
      await core.publishAsync(mqttTopic.model(PUMP8, 'acoustic'), 'not-for-pump-7', { qos: 1 });
      await core.publishAsync(mqttTopic.telemetry(PUMP8), 'not-for-pump-7', { qos: 1 });
      await core.publishAsync(mqttTopic.model(PUMP7, 'thermal'), 'own-model', { qos: 1 });
      await waitFor('own model at device', () => seen.find((m) => m.payload === 'own-model'));
      assert.deepEqual(seen.filter((m) => !m.topic.startsWith('premonitor/v1/plant-1/pump-7/model/')), []);
    });

    it('delivers its own retained model announcement to a device that subscribes later', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.url, 'ingest');
      await core.publishAsync(mqttTopic.model(PUMP7, 'forecast'), '{"version":"3"}', { qos: 1, retain: true });
      const device = await connect(broker.url, deviceUsername(PUMP7));
      const seen = received(device);
      assert.equal(await subscribe(device, mqttTopic.model(PUMP7, 'forecast')), 1);
      const got = await waitFor('retained model', () => seen.find((m) => m.topic === mqttTopic.model(PUMP7, 'forecast')));
      assert.deepEqual(got, { topic: mqttTopic.model(PUMP7, 'forecast'), payload: '{"version":"3"}', retain: true });
      await core.publishAsync(mqttTopic.model(PUMP7, 'forecast'), '', { qos: 1, retain: true });
    });

    it("never delivers a will on another device's topic; delivers the device's own status will", async (t) => {
      const broker = b(t);
      if (!broker) return;
      const core = await connect(broker.url, 'ingest');
      const seen = received(core);
      assert.equal(await subscribe(core, 'premonitor/v1/+/+/status'), 1);
      const forged = { topic: mqttTopic.status(PUMP8), payload: Buffer.from('forged-will'), qos: 1 as const, retain: false };
      if (broker.refusesForbiddenWill) {
        assert.equal(await connectRefusal(broker.url, deviceUsername(PUMP7), { will: forged }), 5);
      } else {
        const sneaky = await connect(broker.url, deviceUsername(PUMP7), { will: forged });
        sneaky.stream.destroy();
      }
      const own = { topic: mqttTopic.status(PUMP7), payload: Buffer.from('own-will'), qos: 1 as const, retain: false };
      const honest = await connect(broker.url, deviceUsername(PUMP7), { will: own });
      honest.stream.destroy();
      await waitFor('own will at core', () => seen.find((m) => m.payload === 'own-will'));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen.filter((m) => m.payload === 'forged-will'), []);
    });

    it('keeps every QoS 1 message for a persistent core session that falls behind (beyond 1000)', async (t) => {
      const broker = b(t);
      if (!broker) return;
      const clientId = `core-durable-${process.pid}`;
      const first = await connect(broker.url, 'ingest', { clientId, clean: false });
      assert.equal(await subscribe(first, 'premonitor/v1/+/+/telemetry'), 1);
      await first.endAsync();
      const device = await connect(broker.url, deviceUsername(PUMP8));
      const total = 1_500; // above Mosquitto's default max_queued_messages (1000)
      await Promise.all(Array.from({ length: total }, (_, i) => device.publishAsync(mqttTopic.telemetry(PUMP8), `m${i}`, { qos: 1 })));
      const again = await connect(broker.url, 'ingest', { clientId, clean: false });
      const distinct = () => new Set(received(again).map((m) => m.payload)).size;
      await waitFor(`${total} queued messages`, () => distinct() >= total, 20_000);
      assert.equal(distinct(), total);
    });
  });
}

brokerContract('embedded (Aedes)', async () => {
  const credentials = CredentialStore.inMemory({ scrypt: { N: 1024, r: 8, p: 1 } });
  await credentials.addService('ingest', 'core', PASSWORDS.get('ingest') ?? '');
  for (const ref of [PUMP7, PUMP8, OTHER_SITE_PUMP7]) await credentials.addDevice(ref, PASSWORDS.get(deviceUsername(ref)) ?? '');
  const broker = new EmbeddedBroker({ port: 0, credentials, logger: silent });
  await broker.start();
  return { url: broker.url, refusesForbiddenSubscribe: true, refusesForbiddenWill: true, stop: () => broker.stop() };
});

brokerContract('Mosquitto 2 with mosquitto/ config', startMosquitto);

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

  it('stop() closes connected clients and the listener', async () => {
    const broker = new EmbeddedBroker({ port: 0, credentials: null, logger: silent });
    await broker.start();
    const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise((resolve) => client.once('close', () => resolve(undefined)));
    await broker.stop();
    await closed;
    assert.equal(await reachable('127.0.0.1', broker.port), false);
    await client.endAsync(true);
  });
});

/** Starts Mosquitto on a free port with mosquitto/mosquitto.conf and mosquitto/acl, or returns why it cannot. */
async function startMosquitto(): Promise<BrokerUnderTest | string> {
  const binary = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p)) ?? which('mosquitto');
  const passwdTool = which('mosquitto_passwd');
  if (!binary || !passwdTool) {
    const message = 'mosquitto and mosquitto_passwd binaries not found (apt install mosquitto mosquitto-clients)';
    if (servicesRequired) throw new Error(`${message}; PREMONITOR_REQUIRE_SERVICES=1 forbids skipping`);
    console.warn(`\n!!! SKIPPING Mosquitto ACL contract: ${message}\n`);
    return `SKIPPED: ${message}`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pm-mosquitto-'));
  mkdirSync(join(dir, 'data'));
  const root = new URL('../../', import.meta.url);
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  let create = true;
  for (const [user, password] of PASSWORDS) {
    execFileSync(passwdTool, [...(create ? ['-c'] : []), '-b', passwd, user, password]);
    create = false;
  }
  writeFileSync(join(dir, 'acl'), readFileSync(new URL('mosquitto/acl', root)));
  const conf = readFileSync(new URL('mosquitto/mosquitto.conf', root), 'utf8')
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replace('/mosquitto/config/passwd', passwd)
    .replace('/mosquitto/config/acl', join(dir, 'acl'))
    .replace('/mosquitto/data/', `${join(dir, 'data')}/`);
  assert.match(conf, new RegExp(`listener ${port} `), 'mosquitto.conf no longer has `listener 1883`; update the test');
  // Started as root, Mosquitto drops to the `mosquitto` user, which cannot read this private temp dir.
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
  const child: ChildProcess = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor('mosquitto to listen', async () => child.exitCode === null && (await reachable('127.0.0.1', port)), 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not start:\n${log}`, { cause: err });
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    refusesForbiddenSubscribe: false,
    refusesForbiddenWill: false,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
