import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { BusConnectionError, InProcessBus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { createLogger } from '@premonitor/log';
import { busContract, type CreatedDurable } from './bus-contract.js';
import { needService, stopRealServices } from './support/real-services.js';

const logger = createLogger({ service: 'bus-test', level: 'silent' });
const nats = await needService('nats');

after(() => stopRealServices());

busContract({
  name: 'InProcessBus',
  skip: false,
  async create() {
    const bus = new InProcessBus({ logger });
    await bus.start();
    return bus;
  },
});

busContract({
  name: 'NatsJetStreamBus',
  skip: nats.skip,
  async create() {
    const bus = new NatsJetStreamBus({ servers: nats.url ?? '', name: 'bus-contract-test', logger });
    await bus.start();
    return bus;
  },
  async cleanup(durables: readonly CreatedDurable[]) {
    const nc = await connect({ servers: nats.url ?? '' });
    try {
      const jsm = await jetstreamManager(nc);
      await Promise.allSettled(durables.map((d) => jsm.consumers.delete(d.stream, d.durable)));
    } finally {
      await nc.close();
    }
  },
});

describe('NatsJetStreamBus connection', () => {
  it('names the URL when the first connection fails', async () => {
    const bus = new NatsJetStreamBus({ servers: 'nats://127.0.0.1:1', name: 'bus-test', logger });
    await assert.rejects(bus.start(), (err: unknown) => err instanceof BusConnectionError && err.message.includes('nats://127.0.0.1:1'));
    assert.equal(bus.isReady(), false);
  });
});

describe('NatsJetStreamBus and a stream another process shrank', { skip: nats.skip }, () => {
  it('puts its subjects back and publishes when an older layout removed the subject (a rolling upgrade)', async () => {
    const bus = new NatsJetStreamBus({ servers: nats.url ?? '', name: 'bus-layout-test', logger });
    await bus.start();
    const nc = await connect({ servers: nats.url ?? '' });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info('PM_EVENTS');
      // What a process built before `pm.model-health.>` existed does at its start.
      await jsm.streams.update('PM_EVENTS', { ...info.config, subjects: info.config.subjects.filter((s) => s !== 'pm.model-health.>') });
      const ack = await bus.publish('pm.model-health.thermal.bus-layout.cam-1', new TextEncoder().encode('{}'));
      assert.ok(ack.seq > 0, 'stored');
      assert.ok((await jsm.streams.info('PM_EVENTS')).config.subjects.includes('pm.model-health.>'));
    } finally {
      await nc.close();
      await bus.stop();
    }
  });
});
