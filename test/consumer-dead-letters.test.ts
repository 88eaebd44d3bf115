// Issue 11, bus consumers: a message that fails for good ends as a dead-letter row (consumer,
// subject, reason, payload) instead of being dropped by the bus; a database outage longer than
// the old 10 × 1 s of redeliveries loses no frame — inference scores every one once the
// database is back. Real NATS JetStream and PostgreSQL (the outage is a cut TCP path to it).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { busSubjects, deviceMessageId, encodeFrame } from '@premonitor/contracts';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { databaseDeadLetters, migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, buildThermalReferenceModel } from '@premonitor/inference';
import { ConsumerPolicy } from '@premonitor/resilience';
import { needService } from './support/real-services.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitWhileProgressing } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const logger = createLogger({ service: 'consumer-dl-test', level: 'silent' });
const [pgService, natsService] = await Promise.all([needService('postgres'), needService('nats')]);
const skip = pgService.skip || natsService.skip;

/** Removes durables this file created on the shared NATS server. */
const created: Array<{ stream: string; durable: string }> = [];
after(async () => {
  if (!natsService.url) return;
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsService.url });
  try {
    const jsm = await jetstreamManager(nc);
    await Promise.allSettled(created.map((d) => jsm.consumers.delete(d.stream, d.durable)));
  } finally {
    await nc.close();
  }
});

const buses: Array<{ name: string; make: (run: string) => Promise<Bus> }> = [
  { name: 'in-process bus', make: async () => new InProcessBus({ logger }) },
  { name: 'NATS JetStream', make: async (run) => new NatsJetStreamBus({ servers: natsService.url!, name: `consumer-dl-${run}`, logger }) },
];

for (const target of buses) {
  describe(`a consumer under ConsumerPolicy, ${target.name} + PostgreSQL`, { skip }, () => {
    it('writes a dead-letter row after the permanent failures run out, and never sees the message again', async () => {
      const run = randomBytes(4).toString('hex');
      const throwaway = await createThrowawayDatabase(pgService.url!, 'pm_consumer_dl');
      const db = await openDatabase({ kind: 'postgres', url: throwaway.url });
      const bus = await target.make(run);
      try {
        await migrate(db, { schema: PLATFORM_SCHEMA });
        await bus.start();
        const durable = `dl-test-${run}`;
        created.push({ stream: 'PM_TELEMETRY', durable });
        const policy = new ConsumerPolicy({ consumer: durable, deadLetters: databaseDeadLetters(db.db), logger, backoff: { baseMs: 50, maxMs: 200 } });
        const deliveries: number[] = [];
        const subscription = await bus.consume(
          // Retries come from the policy's naks (50–200 ms), never from the ack wait: a long one
          // keeps a slow machine (handler + dead-letter write beyond it) from adding a redelivery.
          policy.spec({ stream: 'PM_TELEMETRY', durable, filterSubject: `pm.telemetry.${run}.>`, ackWaitMs: 60_000 }),
          policy.guard(async (m) => {
            deliveries.push(m.deliveryCount);
            // A real refusal from the real database: 22012, division by zero.
            await sql`select 1 / 0`.execute(db.db);
            m.ack();
          }),
        );
        const subject = `pm.telemetry.${run}.pump-1`;
        await bus.publish(subject, new TextEncoder().encode('{"poison":true}'));
        const letters = () => db.db.selectFrom('dead_letters').selectAll().where('source', '=', durable).execute();
        await waitWhileProgressing('the dead letter', async () => (await letters()).length > 0, () => deliveries.length);
        const rows = await letters();
        await new Promise((r) => setTimeout(r, 1_000));
        assert.deepEqual(deliveries, [1, 2, 3]);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.topic, subject);
        assert.equal(rows[0]!.device_id, `${run}/pump-1`);
        assert.match(rows[0]!.reason, /gave up after 3 permanent failure\(s\): division by zero/);
        assert.equal(Buffer.from(rows[0]!.payload).toString(), '{"poison":true}');
        await subscription.stop();
      } finally {
        await bus.stop();
        await db.close();
        await throwaway.drop();
      }
    });
  });
}

describe('inference through a PostgreSQL outage longer than 10 × 1 s, on NATS JetStream', { skip }, () => {
  it('scores every frame exactly once after the database comes back, dead-lettering none', async () => {
    const run = randomBytes(4).toString('hex');
    const site = `out-${run}`;
    const pgUrl = new URL(pgService.url!);
    const proxy = new TcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    await proxy.start();
    const throwaway = await createThrowawayDatabase(pgService.url!, 'pm_outage');
    const viaProxy = new URL(throwaway.url);
    viaProxy.port = String(proxy.port);
    const direct = await openDatabase({ kind: 'postgres', url: throwaway.url });
    await migrate(direct, { schema: PLATFORM_SCHEMA });
    const db: DatabaseHandle = await openDatabase({ kind: 'postgres', url: viaProxy.toString(), poolSize: 4 });
    const bus = new NatsJetStreamBus({ servers: natsService.url!, name: `outage-${run}`, logger });
    await bus.start();
    const consumerName = `inference-thermal-outage-${run}`;
    created.push({ stream: busSubjects.frames.stream, durable: consumerName });
    const registry = new ModelRegistry({ db: db.db, bus, store: new MemoryArtifactStore(), logger });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `outage-${run}` }) });
    const inference = new Inference(
      { kind: 'thermal', batchSize: 16, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 1_000, maxUploadBytes: 65_536, deadLetterMaxBytes: 1_024, instanceId: run, retryDelayMs: 200, consumerName, deliverPolicy: 'new', drainTimeoutMs: 5_000, baselines: { enabled: false, policy: { maxFleetScore: 0.5, minIntervalMs: 0 } } },
      { db, bus, logger, registry: createRegistry('outage', false), models: registry },
    );
    const ref = { site, device: 'kiln-1' };
    const frame = (seq: number) => encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius: new Float32Array(32 * 24).fill(25 + (seq % 10)) });
    const publish = async (from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) await bus.publish(busSubjects.frames.subject('thermal', ref), frame(seq), { msgId: deviceMessageId(ref, 'thermal', seq) });
    };
    const scores = async () => Number((await direct.db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', `${site}/kiln-1`).executeTakeFirstOrThrow()).n);
    try {
      await inference.start();
      await publish(1, 20);
      await waitWhileProgressing('20 scores before the outage', async () => (await scores()) === 20, scores);
      await proxy.cut();
      await publish(21, 60);
      // Longer than the 10 deliveries 1 s apart that used to drop a frame.
      await new Promise((r) => setTimeout(r, 13_000));
      assert.equal(await scores(), 20, 'nothing scored while the database is unreachable');
      await proxy.start();
      // Frames nak-ed during the outage come back after their backoff (capped at 30 s): a stall that long is expected.
      await waitWhileProgressing('all 60 frames scored after the outage', async () => (await scores()) === 60, scores, { stallMs: 90_000, everyMs: 200 });
      const seqs = await direct.db.selectFrom('scores').select('seq').where('device_id', '=', `${site}/kiln-1`).orderBy('seq').execute();
      assert.deepEqual(seqs.map((r) => Number(r.seq)), Array.from({ length: 60 }, (_, i) => i + 1), 'each frame once');
      const letters = await direct.db.selectFrom('dead_letters').selectAll().execute();
      assert.deepEqual(letters, []);
    } finally {
      await inference.stop();
      await bus.stop();
      await db.close();
      await direct.close();
      await proxy.stop();
      await throwaway.drop();
    }
  });
});
