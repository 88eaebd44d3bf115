// Model sync end to end: the core's ModelSync announces the registry's production model as a
// retained message signed with the core's key, the agent verifies the signature, downloads it
// over HTTP, checks it and swaps it; a corrupt, unsigned, forged or replayed announcement is
// refused and reported while the running model keeps scoring.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttTopic, type ModelAnnouncement } from '@premonitor/contracts';
import { generateSigningKey, parsePublicKeys, signAnnouncement, signBaselineCommand, type UnsignedAnnouncement } from '@premonitor/contracts/signing';
import { EmbeddedBroker } from '@premonitor/broker';
import { InProcessBus, publishEvent } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { ModelSync } from '@premonitor/model-sync';
import { EdgeAgent, SimulatedSource } from '@premonitor/edge-agent';
import { readModelMetadata } from '@premonitor/ml';
import { systemClock } from '@premonitor/time';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

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
  const coreKey = generateSigningKey();
  /** Publishes a retained message on this device's acoustic model topic, as anybody holding broker credentials could. */
  const publishModelTopic = async (payload: unknown) => {
    const client = await mqtt.connectAsync(broker.url, { clientId: `sync-test-${Math.random().toString(16).slice(2)}` });
    await client.publishAsync(mqttTopic.model(ref, 'acoustic'), JSON.stringify(payload), { qos: 1, retain: true });
    await client.endAsync();
  };
  /** Waits until the agent reports a refusal matching `pattern`, then checks the running model did not change and keeps scoring. */
  const refusedAndStillScoring = async (pattern: RegExp, running: string | undefined) => {
    await waitFor(`refusal ${pattern}`, () => pattern.test(agent.status().modelErrors?.['acoustic'] ?? ''), 30_000);
    assert.equal(agent.status().models?.['acoustic'], running);
    const scored = agent.stats().scored.acoustic;
    await waitFor('old model keeps scoring', () => agent.stats().scored.acoustic > scored + 2);
  };

  before(async () => {
    broker = new EmbeddedBroker({ port: 0, credentials: null, logger });
    await broker.start();
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg'), logger });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
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
      { mqtt: { url: broker.url, clientId: 'sync-test-core' }, publicBaseUrl: baseUrl, kinds: ['acoustic', 'thermal'], refreshMs: 60_000, heartbeatMs: 500, signingKey: coreKey },
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
      // As an operator would configure it: the public key model-sync prints.
      modelPublicKeys: parsePublicKeys(sync.publicKey),
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

  it('refuses a correctly signed announcement whose file does not match its sha256, and keeps scoring', async () => {
    const running = agent.status().models?.['acoustic'];
    const production = (await registry.production('acoustic'))!;
    // A file whose bytes do not match the announced hash (a corrupted artifact, or a core bug).
    const bad: UnsignedAnnouncement = { kind: 'acoustic', version: 'corrupt-1', sha256: 'f'.repeat(64), size: production.size, url: `${baseUrl}/models/acoustic/artifact/${production.sha256}` };
    await publishModelTopic(signAnnouncement(bad, ref, Date.now(), coreKey));
    await refusedAndStillScoring(/sha256 mismatch/, running);
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

  it('refuses a forged announcement (a real model, valid sha256, signed with another key) and an unsigned one', async () => {
    const running = agent.status().models?.['acoustic'];
    // A real, loadable model the registry serves: without signatures the agent would install it.
    const other = await registry.register({ kind: 'acoustic', bytes: new Uint8Array(readFileSync(join(MODELS, 'acoustic.onnx'))) });
    const genuine: UnsignedAnnouncement = { kind: 'acoustic', version: other.version, sha256: other.sha256, size: other.size, url: `${baseUrl}/models/acoustic/artifact/${other.sha256}` };
    const attacker = generateSigningKey();
    // Each attempt carries its own version, so each refusal is told apart from the one before.
    const as = (version: string): UnsignedAnnouncement => ({ ...genuine, version });
    await publishModelTopic(signAnnouncement(as('forged-1'), ref, Date.now(), attacker));
    await refusedAndStillScoring(new RegExp(`^forged-1: refused: signed by unknown key ${attacker.keyId}`), running);
    // Claiming the core's key id does not help: the signature is checked with that key.
    await publishModelTopic({ ...signAnnouncement(as('forged-2'), ref, Date.now(), attacker), keyId: coreKey.keyId });
    await refusedAndStillScoring(/^forged-2: refused: bad signature/, running);
    await publishModelTopic(as('unsigned-1') satisfies ModelAnnouncement);
    await refusedAndStillScoring(/^unsigned-1: refused: unsigned announcement/, running);
    // Signed by the core, but for another device: worthless here.
    await publishModelTopic(signAnnouncement(as('other-device-1'), { site: ref.site, device: 'pi-2' }, Date.now(), coreKey));
    await refusedAndStillScoring(/^other-device-1: refused: bad signature/, running);
  });

  it('refuses a genuine but older announcement replayed after a newer one was accepted', async () => {
    const running = agent.status().models?.['acoustic'];
    const candidate = (await registry.list({ kind: 'acoustic' })).find((m) => m.stage !== 'production')!;
    const old: UnsignedAnnouncement = { kind: 'acoustic', version: candidate.version, sha256: candidate.sha256, size: candidate.size, url: `${baseUrl}/models/acoustic/artifact/${candidate.sha256}` };
    // Captured an hour ago, before the model the agent runs was announced.
    await publishModelTopic(signAnnouncement(old, ref, Date.now() - 3_600_000, coreKey));
    await refusedAndStillScoring(/before the last accepted announcement/, running);
    // The same model announced now by the core is accepted: it is the age, not the model, that was refused.
    await registry.promote('acoustic', candidate.version);
    await waitFor('agent runs the promoted model', () => agent.status().models?.['acoustic'] === candidate.version, 30_000);
    assert.equal(agent.status().modelErrors?.['acoustic'], undefined, 'a successful install clears the refusal');
  });

  it('an engineer marking the device faulty on the core reaches the edge enrollment (signed, retained); a forged command is refused; a reset starts it over', async () => {
    const announce = (state: 'faulty' | 'reset') =>
      publishEvent(bus, 'baselines', ['acoustic', ref], { site: ref.site, device: ref.device, kind: 'acoustic', modelVersion: agent.status().models?.['acoustic'] ?? 'none', state, ts: Date.now() });
    assert.notEqual(agent.stats().baselines.acoustic?.status, 'faulty');
    await announce('faulty');
    await waitFor('the edge enrollment is marked faulty', () => agent.stats().baselines.acoustic?.status === 'faulty', 30_000);
    // Anybody with broker credentials could publish on the command topic: not signed by the core, not applied.
    const forged = signBaselineCommand({ kind: 'acoustic', action: 'reset' }, ref, Date.now() + 1_000, generateSigningKey());
    const client = await mqtt.connectAsync(broker.url, { clientId: `sync-test-forge-${Math.random().toString(16).slice(2)}` });
    await client.publishAsync(mqttTopic.baselineCommand(ref, 'acoustic'), JSON.stringify(forged), { qos: 1, retain: true });
    await client.endAsync();
    await waitFor('the forged command is refused', () => /unknown key/.test(agent.stats().baselineCommandError ?? ''), 30_000);
    assert.equal(agent.stats().baselines.acoustic?.status, 'faulty');
    await announce('reset');
    await waitFor('the edge enrolls again after the reset', () => agent.stats().baselines.acoustic?.status === 'enrolling', 30_000);
  });
});
