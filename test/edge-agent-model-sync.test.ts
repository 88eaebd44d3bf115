// Model sync end to end: the core's ModelSync announces the registry's production model as a
// retained message, the agent downloads it over HTTP, verifies and swaps it; a corrupt
// announcement is refused and reported while the running model keeps scoring.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttTopic, type ModelAnnouncement } from '@premonitor/contracts';
import { EmbeddedBroker } from '@premonitor/broker';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { ModelSync } from '@premonitor/model-sync';
import { EdgeAgent, SimulatedSource, systemClock } from '@premonitor/edge-agent';
import { readModelMetadata } from '@premonitor/ml';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'edge-model-sync-test', level: 'silent' });
const MODELS = new URL('../../models/', import.meta.url).pathname;

describe('model sync, core to edge', () => {
  const ref = { site: 'sync-test', device: 'pi-1' };
  const dir = mkdtempSync(join(tmpdir(), 'pm-model-sync-'));
  let broker: EmbeddedBroker;
  let db: DatabaseHandle;
  let bus: InProcessBus;
  let http: HttpServer;
  let sync: ModelSync;
  let registry: ModelRegistry;
  let agent: EdgeAgent;
  let baseUrl = '';

  before(async () => {
    broker = new EmbeddedBroker({ port: 0, credentials: null, logger });
    await broker.start();
    db = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'pg'), logger });
    await migrate(db, { logger });
    bus = new InProcessBus({ logger });
    await bus.start();
    const store = new FileArtifactStore(join(dir, 'artifacts'));
    registry = new ModelRegistry({ db: db.db, bus, store, logger });
    http = new HttpServer({ logger, registry: createRegistry('sync-test', false), readiness: [], routers: [], portSetting: 'HTTP_PORT' });
    // The router needs the public URL, which needs the port: start HTTP first, mount after.
    const probe = new HttpServer({ logger, registry: createRegistry('sync-probe', false), readiness: [], portSetting: 'HTTP_PORT' });
    const port = await probe.start(0);
    await probe.stop();
    baseUrl = `http://127.0.0.1:${port}/api/v1`;
    sync = new ModelSync(
      { mqtt: { url: broker.url, clientId: 'sync-test-core' }, publicBaseUrl: baseUrl, kinds: ['acoustic', 'thermal'], refreshMs: 60_000, heartbeatMs: 500 },
      { db: db.db, bus, registry, store, logger },
    );
    http = new HttpServer({ logger, registry: createRegistry('sync-test', false), readiness: sync.readiness, routers: [{ path: '/api/v1', router: sync.router }], portSetting: 'HTTP_PORT' });
    await http.start(port);
    await sync.start();
    agent = new EdgeAgent({
      ref,
      mqttUrl: broker.url,
      dataDir: join(dir, 'agent'),
      sources: [new SimulatedSource({ name: 'mic', machine: 'fan', signal: 'acoustic', intervalMs: 100, seed: 1, clock: systemClock })],
      queue: { maxBytes: 16 * 1024 * 1024, maxAgeMs: 0, fsync: 'never', replayPerSecond: 1_000 },
      frames: { mode: 'all', sampleEvery: 1, context: 0 },
      seedModels: { acoustic: join(MODELS, 'acoustic.onnx'), thermal: join(MODELS, 'thermal.onnx') },
      heartbeatTimeoutMs: 2_000,
      statusIntervalMs: 500,
      clock: systemClock,
      logger,
    });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    await sync?.stop();
    await http?.stop();
    await bus?.stop();
    await db?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs the promoted model the core announces and reports its version', async () => {
    const shipped = readModelMetadata(new Uint8Array(readFileSync(join(MODELS, 'acoustic.onnx')))).version;
    assert.equal(agent.status().models?.['acoustic'], shipped);
    const record = await registry.register({ kind: 'acoustic', bytes: new Uint8Array(readFileSync(join(MODELS, 'acoustic.int8.onnx'))) });
    assert.equal(record.stage, 'production');
    await waitFor('agent runs the new model', () => agent.status().models?.['acoustic'] === record.version, 30_000);
    await waitFor('the core heartbeat reaches the agent', () => agent.coreReachable(), 10_000);
    const scored = agent.stats().scored.acoustic;
    await waitFor('scoring with the new model', () => agent.stats().scored.acoustic > scored + 2);
  });

  it('serves artifacts with Content-Length and answers 404 for unknown ones', async () => {
    const production = (await registry.production('acoustic'))!;
    const ok = await fetch(`${baseUrl}/models/acoustic/artifact/${production.sha256}`);
    assert.equal(ok.status, 200);
    assert.equal(Number(ok.headers.get('content-length')), production.size);
    assert.equal((await ok.arrayBuffer()).byteLength, production.size);
    assert.equal((await fetch(`${baseUrl}/models/acoustic/artifact/${'0'.repeat(64)}`)).status, 404);
    assert.equal((await fetch(`${baseUrl}/models/thermal/artifact/${production.sha256}`)).status, 404);
  });

  it('refuses a corrupt model update, reports it, and keeps scoring with the old model', async () => {
    const running = agent.status().models?.['acoustic'];
    const production = (await registry.production('acoustic'))!;
    // A file whose bytes do not match the announced hash (a corrupted artifact or a tampered announcement).
    const bad: ModelAnnouncement = { kind: 'acoustic', version: 'corrupt-1', sha256: 'f'.repeat(64), size: production.size, url: `${baseUrl}/models/acoustic/artifact/${production.sha256}` };
    const core = await mqtt.connectAsync(broker.url, { clientId: 'sync-test-tamper' });
    await core.publishAsync(mqttTopic.model(ref, 'acoustic'), JSON.stringify(bad), { qos: 1, retain: true });
    await core.endAsync();
    await waitFor('refusal reported', () => agent.status().modelErrors?.['acoustic']?.includes('sha256 mismatch'), 30_000);
    assert.equal(agent.status().models?.['acoustic'], running);
    const scored = agent.stats().scored.acoustic;
    await waitFor('old model keeps scoring', () => agent.stats().scored.acoustic > scored + 2);
    // The refusal is in the retained status the core stores, too.
    await waitFor('status published with the refusal', async () => {
      let seen = false;
      const tap = await mqtt.connectAsync(broker.url, { clientId: 'sync-test-tap' });
      tap.on('message', (_t, p) => (seen ||= String(p).includes('modelErrors')));
      await tap.subscribeAsync(mqttTopic.status(ref), { qos: 1 });
      await new Promise((r) => setTimeout(r, 700));
      await tap.endAsync();
      return seen;
    }, 10_000);
  });
});
