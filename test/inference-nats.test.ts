// The inference service as distributed mode wires it: NATS JetStream + a real PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { busSubjects, deviceMessageId, encodeFrame } from '@premonitor/contracts';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, buildThermalReferenceModel, logistic } from '@premonitor/inference';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const logger = createLogger({ service: 'inference-nats-test', level: 'silent' });
const [pgService, natsService] = await Promise.all([needService('postgres'), needService('nats')]);

describe('inference service on NATS JetStream + PostgreSQL', { skip: pgService.skip || natsService.skip }, () => {
  // Unique names: the NATS server and its streams are shared with other test runs.
  const run = randomBytes(4).toString('hex');
  const site = `it-${run}`;
  let throwaway: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let registry: ModelRegistry;
  let inference: Inference;

  before(async () => {
    throwaway = await createThrowawayDatabase(pgService.url!, 'pm_inference');
    handle = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 4 });
    await migrate(handle, { schema: PLATFORM_SCHEMA });
    bus = new NatsJetStreamBus({ servers: natsService.url!, name: `inference-test-${run}`, logger });
    await bus.start();
    registry = new ModelRegistry({ db: handle.db, bus, store: new MemoryArtifactStore(), logger });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `nats-v1-${run}` }) });
    inference = new Inference(
      {
        kind: 'thermal',
        batchSize: 32,
        batchMaxWaitMs: 5,
        ortThreads: 1,
        maxAckPending: 1_000,
        maxUploadBytes: 65_536,
        deadLetterMaxBytes: 1_024,
        instanceId: run,
        retryDelayMs: 100,
        consumerName: `inference-thermal-test-${run}`,
        deliverPolicy: 'new',
      },
      { db: handle, bus, logger, registry: createRegistry('inference-nats', false), models: registry },
    );
    await inference.start();
  });

  after(async () => {
    await inference?.stop();
    await bus?.stop();
    await handle?.close();
    await throwaway?.drop();
  });

  it('scores frames from JetStream once each, hot-swaps on promotion, and dead-letters a broken frame', async () => {
    const ref = { site, device: 'kiln-1' };
    const frame = (seq: number) => {
      const celsius = new Float32Array(32 * 24).fill(25);
      celsius[seq % celsius.length] = 62;
      return encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius });
    };
    for (let seq = 1; seq <= 60; seq++) await bus.publish(busSubjects.frames.subject('thermal', ref), frame(seq), { msgId: deviceMessageId(ref, 'thermal', seq) });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `nats-v2-${run}`, centerCelsius: 50 }) });
    await registry.promote('thermal', `nats-v2-${run}`);
    await waitFor('the promoted model', () => inference.modelVersion === `nats-v2-${run}`);
    for (let seq = 61; seq <= 80; seq++) await bus.publish(busSubjects.frames.subject('thermal', ref), frame(seq), { msgId: deviceMessageId(ref, 'thermal', seq) });
    await bus.publish(busSubjects.frames.subject('thermal', { site, device: 'kiln-2' }), new Uint8Array(8));

    const deviceId = `${site}/kiln-1`;
    const rows = await waitFor('80 scores', async () => {
      const list = await handle.db.selectFrom('scores').selectAll().where('device_id', '=', deviceId).orderBy('seq').execute();
      return list.length === 80 ? list : undefined;
    }, 20_000);
    assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 80 }, (_, i) => i + 1));
    assert.ok(rows.slice(60).every((r) => r.model_version === `nats-v2-${run}`), 'frames after the swap use the new model');
    const firstNew = rows.findIndex((r) => r.model_version === `nats-v2-${run}`);
    assert.ok(rows.slice(firstNew).every((r) => r.model_version === `nats-v2-${run}`), 'versions are monotonic');
    for (const r of rows) assert.ok(Math.abs(r.score - logistic(62, r.model_version.startsWith('nats-v1') ? 60 : 50, 5)) < 1e-6);
    await waitFor('the dead letter', () => handle.db.selectFrom('dead_letters').selectAll().where('device_id', '=', `${site}/kiln-2`).executeTakeFirst());
  });
});
