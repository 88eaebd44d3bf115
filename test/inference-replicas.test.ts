// Two thermal inference processes (services/inference/dist/main.js, as deployed) share one
// JetStream durable on the real NATS and score into the real PostgreSQL; one is killed with
// SIGKILL mid-stream and not restarted.
//
// "Acknowledged" here is JetStream's: a frame is acked once its score is stored. What it shows:
// every frame published gets exactly one score row (the frames the dead replica held unacked
// are redelivered to the survivor after the ack wait; `scores_dedup` makes a frame it had
// already stored a no-op), and both replicas scored (each one's pm_inference_scored_total).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { busSubjects, deviceMessageId, encodeFrame } from '@premonitor/contracts';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { SERVICE_ROLES, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { buildThermalReferenceModel } from '@premonitor/inference';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createRoleDatabase, type RoleDatabase } from './support/service-login.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'inference-replicas', level: 'silent' });
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
const DEVICES = 6;
const FRAMES = 600;

describe('two inference replicas on one JetStream durable; one is killed mid-stream', { skip: pg.skip || nats.skip }, () => {
  /** The replicas log in as inference's least-privilege role, as deployed. */
  let login: RoleDatabase | undefined;
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let modelDir = '';
  const replicas: NodeProcess[] = [];
  const site = `inr-${run}`;

  before(async () => {
    login = await createRoleDatabase(pg.url!, 'pm_inference_replicas', SERVICE_ROLES.inference, logger);
    db = login.db;
    bus = new NatsJetStreamBus({ servers: nats.url!, name: `inference-replicas-${run}`, logger });
    await bus.start();
    modelDir = await mkdtemp(join(tmpdir(), 'pm-inference-replicas-'));
    const registry = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(modelDir), logger });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `replicas-${run}` }) });
  });
  after(async () => {
    for (const replica of replicas) await replica.kill('SIGKILL');
    await bus?.stop();
    await login?.drop();
    await rm(modelDir, { recursive: true, force: true });
  });

  async function startReplica(name: string): Promise<NodeProcess> {
    const replica = NodeProcess.start('services/inference/dist/main.js', {
      INFERENCE_KIND: 'thermal',
      MODEL_STORE_DIR: modelDir,
      INSTANCE_ID: `${name}-${run}`,
      INFERENCE_DURABLE: `inr_${run}`,
      INFERENCE_DELIVER_POLICY: 'new',
      BASELINES_ENABLED: 'false',
      MAX_ACK_PENDING: '100',
      NATS_URL: nats.url!,
      DATABASE_URL: login!.loginUrl,
      DATABASE_MIGRATE: 'off',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    });
    replicas.push(replica);
    await replica.waitFor(/"msg":"consuming frames"/, 60_000);
    return replica;
  }

  /** Frames a replica scored so far, from its /metrics (the port it logged when ready). */
  async function scoredBy(replica: NodeProcess): Promise<number> {
    const [, port] = await replica.waitFor(/"port":(\d+)[^\n]*"msg":"thermal-inference ready"/, 10_000);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('pm_inference_scored_total{'))
      .reduce((n, line) => n + Number(line.split(' ').at(-1)), 0);
  }

  const frame = (seq: number) => {
    const celsius = new Float32Array(32 * 24).fill(25);
    celsius[seq % celsius.length] = 62;
    return encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius });
  };

  it('scores every frame exactly once', async () => {
    const a = await startReplica('a');
    const b = await startReplica('b');
    for (let i = 0; i < FRAMES; i++) {
      const ref = { site, device: `cam-${i % DEVICES}` };
      const seq = Math.floor(i / DEVICES) + 1;
      await bus.publish(busSubjects.frames.subject('thermal', ref), frame(seq), { msgId: deviceMessageId(ref, 'thermal', seq) });
      if (i === FRAMES / 3) {
        await waitFor('both replicas scoring', async () => (await scoredBy(a)) > 0 && (await scoredBy(b)) > 0, 20_000, 100);
        await a.kill('SIGKILL');
      }
    }
    const count = async () => {
      const { rows } = await sql<{ n: string; frames: string }>`
        select count(*) as n, count(distinct (device_id, seq)) as frames from scores where device_id like ${`${site}/%`}`.execute(db.db);
      return { rows: Number(rows[0]!.n), frames: Number(rows[0]!.frames) };
    };
    // The dead replica's unacked frames come back after the ack wait (30 s).
    await waitFor('every frame scored', async () => (await count()).frames >= FRAMES, 90_000, 500);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await count(), { rows: FRAMES, frames: FRAMES }, 'one score per frame');
    assert.ok((await scoredBy(b)) < FRAMES, 'the survivor did not score everything itself');
    // Run as the service's least-privilege role: nothing it does may have been refused.
    for (const replica of replicas) assert.doesNotMatch(replica.output, /permission denied/);
  });
});
