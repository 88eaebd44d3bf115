import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame, parseTopic, statusMessage, telemetryMessage, type TelemetryMessage } from '@premonitor/contracts';
import { CsvReplay, Simulator } from '@premonitor/edge-agent';
import { needService } from './support/real-services.js';
import { waitFor } from './support/wait.js';

const { url, skip } = await needService('mosquitto');

// Compiled to test/dist/, so the repository root is two levels up; the data sits beside it.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SHARED_SKAB_CSV = resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(repoRoot, '../shared/data'), 'skab/valve1/0.csv');
const SKAB_CSV = existsSync(SHARED_SKAB_CSV) ? SHARED_SKAB_CSV : writeSkabShapedCsv();

/**
 * Without the shared data (a clone elsewhere), a file in SKAB's layout: `;`-separated, the
 * same columns, one row a second with one second missing, so the replay is tested all the same.
 */
function writeSkabShapedCsv(): string {
  console.log(`NOTE: ${SHARED_SKAB_CSV} not found (set PM_SHARED_DATA_DIR); replaying a SKAB-shaped file written for the test`);
  const header = 'datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint';
  const rows = Array.from({ length: 30 }, (_, i) => {
    const t = new Date(Date.UTC(2020, 2, 9, 10, 14, 33 + i + (i >= 18 ? 1 : 0)));
    const stamp = t.toISOString().slice(0, 19).replace('T', ' ');
    return [stamp, 0.0265 + i / 1e4, 0.0401, 1.33 + i / 100, 0.05, 79.3 + i / 10, 26.02, 233 + i, 32.0, 0.0, 0.0].join(';');
  });
  const path = join(mkdtempSync(join(tmpdir(), 'pm-skab-')), '0.csv');
  writeFileSync(path, `${header}\n${rows.join('\n')}\n`);
  return path;
}
// The local broker is shared and anonymous: a site of our own keeps runs apart.
const site = `ea-test-${process.pid}-${Date.now().toString(36)}`;

interface Received {
  readonly topic: string;
  readonly device: string;
  readonly channel: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

async function subscriber(filter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync(url!, { clientId: `${site}-watch-${Math.random().toString(36).slice(2)}`, clean: true });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    const parsed = parseTopic(topic);
    if (!parsed.ok) return;
    const { channel } = parsed.topic;
    received.push({ topic, device: parsed.topic.device, channel: channel.type === 'frame' ? `frame/${channel.kind}` : channel.type, payload, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

const json = <T>(r: Received) => JSON.parse(r.payload.toString('utf8')) as T;
// mqtt.js hands out Buffers that may be views into a shared pool; decodeFrame needs its own bytes.
const frameOf = (r: Received) => decodeFrame(new Uint8Array(r.payload));

function seqOfFrame(r: Received): number {
  const frame = frameOf(r);
  return frame.ok ? frame.value.seq : -1;
}

describe('edge agent against a real MQTT broker', { skip, timeout: 30_000 }, () => {
  let watch: { client: MqttClient; received: Received[] };
  // Stopped in after() even when a test fails midway, so no last will fires after cleanup.
  const running: Array<{ stop(): Promise<void> }> = [];

  before(async () => {
    watch = await subscriber(`premonitor/v1/${site}/+/#`);
  });

  after(async () => {
    await Promise.allSettled(running.map((r) => r.stop()));
    if (!watch) return;
    // Clear the retained statuses this run left on the shared broker.
    const devices = new Set(watch.received.map((r) => r.device));
    for (const device of devices) await watch.client.publishAsync(`premonitor/v1/${site}/${device}/status`, '', { qos: 1, retain: true });
    await watch.client.endAsync();
  });

  it('delivers every telemetry message of 3 simulated devices in seq order, with status and frames', async () => {
    const sim = new Simulator({ mqttUrl: url!, site, deviceCount: 3, telemetryIntervalMs: 10, thermalIntervalMs: 60, maxMessages: 30, seed: 7 });
    running.push(sim);
    await sim.start();
    await sim.finished();
    const stats = sim.stats();
    assert.equal(stats.byKind.telemetry.published, 90);
    assert.equal(stats.byKind.telemetry.dropped + stats.byKind.telemetry.failed, 0);

    for (const device of ['sim-001', 'sim-002', 'sim-003']) {
      const telemetry = await waitFor(`30 telemetry messages of ${device}`, () => {
        const got = watch.received.filter((r) => r.device === device && r.channel === 'telemetry');
        return got.length >= 30 ? got : undefined;
      });
      assert.equal(telemetry.length, 30);
      const messages = telemetry.map((r) => telemetryMessage.parse(json<unknown>(r)));
      const frames = watch.received.filter((r) => r.device === device && r.channel === 'frame/thermal').map(frameOf);
      assert.ok(frames.length >= 1, `${device} sent thermal frames`);
      for (const f of frames) assert.ok(f.ok && f.value.kind === 'thermal', f.ok ? '' : f.reason);
      // One counter across kinds: telemetry and frame seqs together are 0…n-1 without gaps, and arrive in order.
      const arrived = watch.received
        .filter((r) => r.device === device && r.channel !== 'status')
        .map((r) => (r.channel === 'telemetry' ? json<TelemetryMessage>(r).seq : seqOfFrame(r)));
      assert.deepEqual(arrived, Array.from({ length: arrived.length }, (_, i) => i));
      for (let i = 1; i < messages.length; i++) assert.ok(messages[i]!.ts >= messages[i - 1]!.ts);
      const online = watch.received.find((r) => r.device === device && r.channel === 'status');
      assert.equal(statusMessage.parse(json<unknown>(online!)).state, 'online');
    }

    // A late subscriber sees the online status because it is retained.
    const late = await subscriber(`premonitor/v1/${site}/+/status`);
    const retained = await waitFor('3 retained online statuses', () => (late.received.length >= 3 ? late.received : undefined));
    assert.ok(retained.every((r) => r.retain && json<{ state: string }>(r).state === 'online'));
    await late.client.endAsync();

    await sim.stop();
    const offline = await waitFor('3 offline statuses', () => {
      const got = watch.received.filter((r) => r.channel === 'status' && json<{ state: string }>(r).state === 'offline');
      return got.length >= 3 ? got : undefined;
    });
    assert.deepEqual(new Set(offline.map((r) => r.device)), new Set(['sim-001', 'sim-002', 'sim-003']));
    assert.equal(sim.stats().connected, 0);
  });

  it('publishes as fast as the broker acks in rate mode, exactly maxMessages per device', async () => {
    const sim = new Simulator({ mqttUrl: url!, site, devicePrefix: 'fast', deviceCount: 2, telemetryIntervalMs: 1000, rate: true, maxInFlight: 32, maxMessages: 1000 });
    running.push(sim);
    await sim.start();
    await sim.finished();
    await sim.stop();
    for (const device of ['fast-001', 'fast-002']) {
      const seqs = await waitFor(`1000 messages of ${device}`, () => {
        const got = watch.received.filter((r) => r.device === device && r.channel === 'telemetry');
        return got.length >= 1000 ? got.map((r) => json<TelemetryMessage>(r).seq) : undefined;
      });
      assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i));
    }
  });

  it('replays 20 SKAB rows at speedup 0 as 20 telemetry messages with every column as a reading', async () => {
    const replay = new CsvReplay({ mqttUrl: url!, site, device: 'valve1-0', path: SKAB_CSV, speedup: 0, maxRows: 20 });
    running.push(replay);
    const before = Date.now();
    await replay.start();
    const stats = await replay.finished();
    await replay.stop();
    assert.equal(stats.rowsSent, 20);
    assert.equal(stats.rowsSkipped, 0);
    const telemetry = await waitFor('20 replayed messages', () => {
      const got = watch.received.filter((r) => r.device === 'valve1-0' && r.channel === 'telemetry');
      return got.length >= 20 ? got : undefined;
    });
    const messages = telemetry.map((r) => telemetryMessage.parse(json<unknown>(r)));
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i));
    const keys = [
      'Accelerometer1RMS', 'Accelerometer2RMS', 'Current', 'Pressure', 'Temperature', 'Thermocouple', 'Voltage', 'Volume_Flow_RateRMS', 'anomaly', 'changepoint',
    ];
    for (const m of messages) assert.deepEqual(Object.keys(m.readings).sort(), [...keys].sort());
    const firstRow = readFileSync(SKAB_CSV, 'utf8').split('\n')[1]!.split(';');
    assert.equal(messages[0]!.readings.Temperature, Number(firstRow[5]));
    // Original gaps (the file skips 10:14:51), shifted so the series ends at the replay's start.
    const fileTimes = readFileSync(SKAB_CSV, 'utf8').split('\n').slice(1, 21).map((line) => Date.parse(`${line.split(';')[0]!.replace(' ', 'T')}Z`));
    assert.deepEqual(messages.map((m) => m.ts - messages[0]!.ts), fileTimes.map((t) => t - fileTimes[0]!));
    assert.ok(Math.abs(messages[19]!.ts - before) < 5_000, `last ts ${messages[19]!.ts} near ${before}`);
  });
});
