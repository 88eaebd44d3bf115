import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, statusMessage, telemetryMessage, type TelemetryMessage } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { FakeMqtt } from './fake-mqtt.js';
import { EDGE_AGENT_VERSION } from '../agent/agent-version.js';
import { SimulatedDevice, type SimulatedDeviceOptions } from './simulated-device.js';

const logger = createLogger({ service: 'edge-agent-spec', level: 'silent' });

function device(fake: FakeMqtt, clock: ManualClock, extra: Partial<SimulatedDeviceOptions> = {}) {
  return new SimulatedDevice({
    mqttUrl: 'mqtt://fake',
    site: 'plant-1',
    device: 'pump-7',
    machine: 'pump',
    telemetryIntervalMs: 1000,
    seed: 11,
    clock,
    logger,
    connector: fake.connector,
    ...extra,
  });
}

describe('SimulatedDevice', () => {
  it('connects as site-device with a retained offline last will and announces itself online', async () => {
    const fake = new FakeMqtt();
    const clock = new ManualClock();
    const d = device(fake, clock);
    await d.start();
    await clock.advanceAsync(0);
    assert.equal(fake.sessions[0]!.clientId, 'plant-1/pump-7');
    assert.deepEqual(fake.sessions[0]!.will, { topic: 'premonitor/v1/plant-1/pump-7/status', payload: '{"state":"offline"}', retain: true });
    const online = fake.published.find((p) => p.topic.endsWith('/status'))!;
    assert.equal(online.retain, true);
    assert.deepEqual(statusMessage.parse(JSON.parse(String(online.payload))), { state: 'online', ts: clock.now(), agentVersion: EDGE_AGENT_VERSION });
    await d.stop();
  });

  it('publishes valid telemetry every interval with device timestamps and one counter across kinds', async () => {
    const fake = new FakeMqtt();
    const clock = new ManualClock();
    const t0 = clock.now();
    const d = device(fake, clock, { thermalIntervalMs: 2000, startSeq: 0xffff_fffe });
    await d.start();
    await clock.advanceAsync(4000);
    const telemetry = fake.json<TelemetryMessage>('/telemetry');
    assert.equal(telemetry.length, 5);
    for (const t of telemetry) assert.ok(telemetryMessage.safeParse(t).success);
    assert.deepEqual(telemetry.map((t) => t.ts), [t0, t0 + 1000, t0 + 2000, t0 + 3000, t0 + 4000]);
    const frames = fake.published.filter((p) => p.topic.endsWith('/frame/thermal')).map((p) => decodeFrame(p.payload as Uint8Array, 'thermal'));
    assert.equal(frames.length, 2);
    const seqs = [...telemetry.map((t) => t.seq), ...frames.map((f) => (f.ok ? f.value.seq : -1))].sort((a, b) => a - b);
    // Seven messages from 4294967294: the counter wraps through 0 and no number repeats.
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 0xffff_fffe, 0xffff_ffff]);
    assert.deepEqual(d.stats().byKind.telemetry, { published: 5, failed: 0, dropped: 0 });
    assert.equal(d.stats().byKind.thermal.published, 2);
    await d.stop();
  });

  it('replays the same readings for the same seed', async () => {
    const run = async () => {
      const fake = new FakeMqtt();
      const clock = new ManualClock();
      const d = device(fake, clock);
      await d.start();
      await clock.advanceAsync(10_000);
      await d.stop();
      return fake.json<TelemetryMessage>('/telemetry').map((t) => t.readings);
    };
    assert.deepEqual(await run(), await run());
  });

  it('stops after maxMessages, resolves finished(), and publishes offline on stop', async () => {
    const fake = new FakeMqtt();
    const clock = new ManualClock();
    const d = device(fake, clock, { maxMessages: 3 });
    await d.start();
    await clock.advanceAsync(10_000);
    await d.finished();
    assert.equal(fake.json('/telemetry').length, 3);
    await d.stop();
    const statuses = fake.json<{ state: string }>('/status');
    assert.equal(statuses.at(-1)!.state, 'offline');
    assert.deepEqual(fake.ended, [{ clientId: 'plant-1/pump-7', force: false }]);
  });

  it('in rate mode keeps at most maxInFlight unacknowledged messages and sends exactly maxMessages', async () => {
    const fake = new FakeMqtt();
    fake.autoAck = false;
    const clock = new ManualClock();
    const d = device(fake, clock, { rate: true, maxInFlight: 8, maxMessages: 20 });
    const started = d.start();
    await clock.advanceAsync(0);
    await started;
    await clock.advanceAsync(0);
    // The online status holds one slot of the window.
    assert.equal(fake.json('/telemetry').length, 7);
    for (let i = 0; i < 5; i++) {
      fake.ackAll();
      await clock.advanceAsync(0);
    }
    await d.finished();
    const seqs = fake.json<TelemetryMessage>('/telemetry').map((t) => t.seq);
    assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(d.stats().byKind.telemetry.dropped, 0);
    fake.autoAck = true;
    await d.stop();
  });

  it('drops (and counts) timed telemetry while the window is full instead of queueing without bound', async () => {
    const fake = new FakeMqtt();
    fake.autoAck = false;
    const clock = new ManualClock();
    const d = device(fake, clock, { maxInFlight: 3 });
    const started = d.start();
    await clock.advanceAsync(0);
    await started;
    await clock.advanceAsync(5000);
    const stats = d.stats();
    assert.equal(stats.byKind.telemetry.published + stats.inFlight, 3);
    assert.equal(stats.byKind.telemetry.dropped, 4);
    // Dropped messages do not use up sequence numbers.
    assert.equal(stats.nextSeq, 2);
    fake.ackAll();
    fake.autoAck = true;
    await d.stop();
  });

  it('fails start() with a message naming the URL when no connection comes', async () => {
    const fake = new FakeMqtt();
    fake.accept = false;
    const clock = new ManualClock();
    const d = new SimulatedDevice({ mqttUrl: 'mqtt://nowhere:1883', site: 's', device: 'd', telemetryIntervalMs: 1000, seed: 1, clock, logger, connector: fake.connector });
    const rejected = assert.rejects(d.start(), /could not connect to mqtt:\/\/nowhere:1883/);
    await clock.advanceAsync(10_000);
    await rejected;
  });
});
