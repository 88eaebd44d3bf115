// NATS_STREAM_REPLICAS reaches the streams at start-up: every stream the bus creates or updates
// gets that many copies. The test server is a single node (a standalone server refuses more
// than one copy on create and ignores it on update), so 3 copies on a real cluster
// (deploy/k8s/overlays/prod) are not exercised here; the configuration that asks for them is.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, coreConfigShape } from '@premonitor/config';
import { streamLayout } from '@premonitor/contracts';
import { DEFAULT_STREAM_LIMITS } from '@premonitor/bus';
import { NatsJetStreamBus, streamConfig } from '@premonitor/bus/nats';
import { createLogger } from '@premonitor/log';
import { needService } from './support/real-services.js';

const logger = createLogger({ service: 'stream-replicas-test', level: 'silent' });
const nats = await needService('nats');

describe('stream replicas from NATS_STREAM_REPLICAS', { skip: nats.skip, timeout: 60_000 }, () => {
  const buses: NatsJetStreamBus[] = [];
  after(async () => {
    for (const bus of buses) await bus.stop();
  });

  it('is parsed with the core settings: default 1, 1–5 allowed', () => {
    const shape = coreConfigShape({ httpPort: 8080, databasePoolSize: 2 });
    assert.equal(loadConfig(shape, {}).NATS_STREAM_REPLICAS, 1);
    assert.equal(loadConfig(shape, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS, 3);
    assert.throws(() => loadConfig(shape, { NATS_STREAM_REPLICAS: '0' }), /NATS_STREAM_REPLICAS/);
  });

  it('sets every stream to 1 copy on a single server', async () => {
    const bus = new NatsJetStreamBus({ servers: nats.url!, name: 'stream-replicas-1', logger, streamReplicas: 1 });
    buses.push(bus);
    await bus.start();
    const nc = await connect({ servers: nats.url! });
    try {
      const jsm = await jetstreamManager(nc);
      for (const name of streamLayout().keys()) assert.equal((await jsm.streams.info(name)).config.num_replicas, 1, name);
    } finally {
      await nc.close();
    }
  });

  it('puts the replica count in the configuration it creates and updates every stream with', () => {
    for (const [name, subjects] of streamLayout()) assert.equal(streamConfig(name, subjects, DEFAULT_STREAM_LIMITS, 3).num_replicas, 3, name);
  });
});
