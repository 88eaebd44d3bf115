// A production model that cannot serve never stops inference: a wrong-but-loadable model made
// production by force, and a production artifact whose bytes were corrupted on disk. The
// running service keeps its model; a restarted one falls back to the last good version, says
// so (GET /api/v1/inference/{kind}/model, pm_inference_model_fallback) and keeps scoring.
// On PGlite + the in-process bus, and on PostgreSQL + NATS JetStream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busSubjects, deviceMessageId, encodeFrame } from '@premonitor/contracts';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, buildThermalReferenceModel, type ModelStatus } from '@premonitor/inference';
import { thermalModelWithWrongOutput } from './support/broken-models.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'inference-fallback-test', level: 'silent' });
const [pgService, natsService] = await Promise.all([needService('postgres'), needService('nats')]);

interface Target {
  readonly name: string;
  readonly skip: string | false;
  open(run: string): Promise<{ db: DatabaseHandle; bus: Bus; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PGlite + in-process bus',
    skip: false,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'pm-fallback-pg-'));
      const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: dir });
      const bus = new InProcessBus();
      await bus.start();
      return { db, bus, close: async () => (await bus.stop(), await db.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'PostgreSQL + NATS JetStream',
    skip: pgService.skip || natsService.skip,
    async open(run) {
      const throwaway = await createThrowawayDatabase(pgService.url!, 'pm_fallback');
      const db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 4 });
      const bus = new NatsJetStreamBus({ servers: natsService.url!, name: `fallback-test-${run}`, logger });
      await bus.start();
      return { db, bus, close: async () => (await bus.stop(), await db.close(), await throwaway.drop()) };
    },
  },
];

for (const target of targets) {
  describe(`inference falls back from an unusable production model (${target.name})`, { skip: target.skip }, () => {
    // Unique names: NATS streams and consumers are shared with other runs.
    const run = randomBytes(4).toString('hex');
    const site = `fb-${run}`;
    let env: Awaited<ReturnType<Target['open']>>;
    let storeDir: string;
    let registry: ModelRegistry;
    let inference: Inference | undefined;
    let http: HttpServer | undefined;
    let metrics = createRegistry('fallback', false);
    let url = '';
    let seq = 0;

    const start = async () => {
      metrics = createRegistry('fallback', false);
      inference = new Inference(
        {
          kind: 'thermal',
          batchSize: 8,
          batchMaxWaitMs: 5,
          ortThreads: 1,
          maxAckPending: 100,
          maxUploadBytes: 65_536,
          deadLetterMaxBytes: 1_024,
          instanceId: run,
          retryDelayMs: 100,
          consumerName: `inference-thermal-fallback-${run}`,
          deliverPolicy: 'new',
        },
        { db: env.db, bus: env.bus, logger, registry: metrics, models: registry },
      );
      await inference.start();
      http = new HttpServer({ logger, registry: metrics, readiness: inference.readiness, routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
      url = `http://127.0.0.1:${await http.start(0)}`;
    };
    const stop = async () => {
      await http?.stop();
      await inference?.stop();
      http = inference = undefined;
    };
    const status = async () => (await (await fetch(`${url}/api/v1/inference/thermal/model`)).json()) as ModelStatus;
    const fallbackGauge = async () => /pm_inference_model_fallback\{[^}]*kind="thermal"[^}]*\} (\d)/.exec(await metrics.metrics())?.[1];
    /** Sends a frame and resolves with the version that scored it. */
    const scoredBy = async (): Promise<string> => {
      const ref = { site, device: 'kiln-1' };
      seq++;
      const celsius = new Float32Array(32 * 24).fill(30);
      await env.bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius }), { msgId: deviceMessageId(ref, 'thermal', seq) });
      const row = await waitFor(`frame ${seq} scored`, () => env.db.db.selectFrom('scores').select('model_version').where('device_id', '=', `${site}/kiln-1`).where('seq', '=', seq).executeTakeFirst(), 20_000);
      return row.model_version;
    };

    before(async () => {
      env = await target.open(run);
      await migrate(env.db, { schema: PLATFORM_SCHEMA });
      storeDir = await mkdtemp(join(tmpdir(), 'pm-fallback-store-'));
      registry = new ModelRegistry({ db: env.db.db, bus: env.bus, store: new FileArtifactStore(storeDir), logger });
      await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `good-1-${run}` }) });
      await start();
    });

    after(async () => {
      await stop();
      await env?.close();
      await rm(storeDir, { recursive: true, force: true });
    });

    it('keeps the model in service when a wrong model is forced into production, and says why', async () => {
      assert.equal(await scoredBy(), `good-1-${run}`);
      await registry.register({ kind: 'thermal', bytes: thermalModelWithWrongOutput(`wrong-${run}`) });
      await registry.promote('thermal', `wrong-${run}`, '', { force: true });
      const s = await waitFor('the refusal', async () => ((await status()).reason ? status() : undefined), 20_000);
      assert.deepEqual([s.serving?.version, s.production?.version, s.fallback], [`good-1-${run}`, `wrong-${run}`, true]);
      assert.match(s.reason ?? '', /output 'score' is missing/);
      assert.equal(await fallbackGauge(), '1');
      assert.equal(await scoredBy(), `good-1-${run}`, 'frames are still scored, by the model in service');
    });

    it('after a restart with that model in production, starts on the previous production model and keeps scoring', async () => {
      await stop();
      await start();
      assert.equal(inference!.modelVersion, `good-1-${run}`);
      const s = await status();
      assert.deepEqual([s.serving?.version, s.production?.version, s.fallback], [`good-1-${run}`, `wrong-${run}`, true]);
      assert.equal((await fetch(`${url}/readyz`)).status, 200, 'ready: a model serves');
      assert.equal(await scoredBy(), `good-1-${run}`);
    });

    it('after a restart with a corrupted production artifact, falls back to the last good version', async () => {
      const good2 = await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `good-2-${run}`, centerCelsius: 50 }) });
      await registry.promote('thermal', good2.version);
      await waitFor('good-2 in service', () => inference!.modelVersion === good2.version, 20_000);
      assert.equal((await status()).fallback, false, 'a usable production model ends the fallback');
      assert.equal(await fallbackGauge(), '0');
      await stop();
      await writeFile(join(storeDir, good2.sha256.slice(0, 2), `${good2.sha256}.onnx`), new TextEncoder().encode('bit rot'));
      await start();
      const s = await status();
      // good-2's artifact is corrupt and wrong-… failed its check, so the last good one is good-1.
      assert.deepEqual([s.serving?.version, s.production?.version, s.fallback], [`good-1-${run}`, good2.version, true]);
      assert.match(s.reason ?? '', /corrupt/);
      assert.equal(await scoredBy(), `good-1-${run}`);
      const fixed = await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: `good-3-${run}`, centerCelsius: 55 }), promote: true });
      await waitFor('good-3 in service', () => inference!.modelVersion === fixed.version, 20_000);
      assert.equal((await status()).fallback, false);
      assert.equal(await scoredBy(), fixed.version);
    });
  });
}
