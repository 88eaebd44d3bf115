import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { BusNotStartedError, MessageTooLargeError, type Bus, type PublishOptions, type PublishResult } from '@premonitor/bus';
import { encodeFrame, mqttTopic } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { createIngestMetrics } from './ingest-metrics.js';
import { IngestService } from './ingest-service.js';
import type { DeadLetter, IngestStore } from './ingest-store.js';
import type { IncomingMessage } from './mqtt-gateway.js';

const logger = createLogger({ service: 'spec', level: 'silent' });
const NOW = 1_700_000_000_000;
const STORED_AT = NOW - 60_000;
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function rig(publish: (subject: string) => Promise<PublishResult>) {
  const clock = new ManualClock(NOW);
  const letters: DeadLetter[] = [];
  // The store decides the time of a status without one (see KyselyIngestStore): here, a fixed one.
  const store: IngestStore = {
    saveTelemetry: async () => 0,
    saveStatus: async (batch) => batch.map((s) => s.message.ts ?? STORED_AT),
    touchDevices: async () => undefined,
    saveDeadLetters: async (batch) => void letters.push(...batch),
  };
  const publishes: string[] = [];
  const published: Array<{ subject: string; data: Uint8Array; msgId?: string }> = [];
  const bus = {
    publish: (subject: string, data: Uint8Array, options?: PublishOptions) => {
      publishes.push(subject);
      published.push({ subject, data, msgId: options?.msgId });
      return publish(subject);
    },
  } as unknown as Bus;
  const registry = new Registry();
  const service = new IngestService({
    store,
    bus,
    metrics: createIngestMetrics(registry, () => 0),
    logger,
    limits: { maxJsonBytes: 4096, maxFutureSkewMs: 60_000, maxPastAgeMs: 3_600_000 },
    batchSize: 100,
    batchMaxWaitMs: 10,
    batchConcurrency: 1,
    deadLetterMaxBytes: 1024,
    clock,
    random: () => 1,
  });
  const acks: number[] = [];
  const message = (n: number): IncomingMessage => ({
    topic: mqttTopic.frame({ site: 'plant-1', device: 'cam-1' }, 'thermal'),
    payload: Buffer.from(encodeFrame({ kind: 'thermal', ts: NOW, seq: n, width: 4, height: 4, celsius: new Float32Array(16).fill(20) })),
    receivedAt: NOW,
    ack: () => acks.push(n),
  });
  return { clock, service, letters, publishes, published, acks, message, registry };
}

describe('IngestService forwarding', () => {
  it('retries a transient bus failure with backoff and acknowledges once the frame is stored', async () => {
    let failures = 3;
    const r = rig(async () => {
      if (failures-- > 0) throw new BusNotStartedError('publish');
      return { seq: 1, duplicate: false };
    });
    r.service.handle(r.message(1));
    for (let i = 0; i < 5; i++) {
      await settle();
      r.clock.advance(1_000);
    }
    await r.service.drain();
    assert.equal(r.publishes.length, 4);
    assert.deepEqual(r.acks, [1]);
    assert.deepEqual(r.letters, []);
  });

  it('dead-letters a frame the bus refuses for good, acknowledges it, and stops trying', async () => {
    const r = rig(async (subject) => {
      throw new MessageTooLargeError(subject, 400_000, 300_000);
    });
    r.service.handle(r.message(7));
    await settle();
    await r.service.drain();
    assert.equal(r.publishes.length, 1, 'no retry of a permanent failure');
    assert.equal(r.letters.length, 1);
    assert.match(r.letters[0]!.reason, /could not forward frame: message on "pm.frames.thermal.plant-1.cam-1" is 400000 bytes/);
    assert.equal(r.letters[0]!.deviceId, 'plant-1/cam-1');
    assert.deepEqual(r.acks, [7]);
    assert.equal(r.service.stats.isolated, 1);
    assert.match(await r.registry.metrics(), /pm_ingest_poison_total\{channel="frame"\} 1/);
  });

  it('abandons a frame still failing at stop without acknowledging it', async () => {
    const r = rig(async () => {
      throw new BusNotStartedError('publish');
    });
    r.service.handle(r.message(3));
    await settle();
    r.service.stop();
    r.clock.advance(10_000);
    await settle();
    assert.deepEqual(r.acks, []);
    assert.deepEqual(r.letters, []);
    assert.equal(r.service.backlog(), 0);
  });
});

describe('IngestService status events', () => {
  it('publishes each status under an id of device, state and its time, the stored time for a last will without one', async () => {
    const r = rig(async () => ({ seq: 1, duplicate: false }));
    const ref = { site: 'plant-1', device: 'pump-1' };
    const status = (payload: object, n: number): IncomingMessage => ({ topic: mqttTopic.status(ref), payload: Buffer.from(JSON.stringify(payload)), receivedAt: NOW + n, ack: () => r.acks.push(n) });
    r.service.handle(status({ state: 'online', ts: NOW - 5 }, 1));
    r.service.handle(status({ state: 'offline' }, 2));
    await settle();
    r.clock.advance(1_000);
    await r.service.drain();
    assert.deepEqual(
      r.published.map((p) => [p.subject, JSON.parse(Buffer.from(p.data).toString()) as unknown, p.msgId]),
      [
        ['pm.status.plant-1.pump-1', { ...ref, state: 'online', ts: NOW - 5 }, `plant-1.pump-1.status.online.${NOW - 5}`],
        ['pm.status.plant-1.pump-1', { ...ref, state: 'offline', ts: STORED_AT }, `plant-1.pump-1.status.offline.${STORED_AT}`],
      ],
    );
    assert.deepEqual(r.acks, [1, 2]);
  });
});
