// Per-device baselines end to end: two inference replicas enroll a thermal camera from its
// healthy frames, then score it against itself; the baseline survives a restart and a reset
// makes the camera enroll again. The same scenario runs on InProcessBus + PGlite (embedded)
// and on NATS JetStream + PostgreSQL (distributed), with the shipped thermal model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busSubjects, deviceMessageId, encodeFrame, type DeviceRef, type ScoreEvent } from '@premonitor/contracts';
import { InProcessBus, decodeEvent, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { generateThermalFrame, type ThermalAnomalyKind } from '@premonitor/ml/data';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, type InferenceSettings } from '@premonitor/inference';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'baselines-test', level: 'silent' });
const thermalModel = fileURLToPath(new URL('../../models/thermal.onnx', import.meta.url));
const SEED = 515151;
const T0 = 1_700_000_000_000;
const [pgService, natsService] = await Promise.all([needService('postgres'), needService('nats')]);

interface Platform {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  close(): Promise<void>;
}

const embedded = async (): Promise<Platform> => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-baselines-'));
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
  await migrate(db, { schema: PLATFORM_SCHEMA });
  const bus = new InProcessBus();
  await bus.start();
  return { db, bus, close: async () => (await bus.stop(), await db.close(), await rm(dir, { recursive: true, force: true })) };
};

const distributed = async (run: string): Promise<Platform> => {
  const throwaway = await createThrowawayDatabase(pgService.url!, 'pm_baselines');
  const db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 4 });
  await migrate(db, { schema: PLATFORM_SCHEMA });
  const bus = new NatsJetStreamBus({ servers: natsService.url!, name: `baselines-test-${run}`, logger });
  await bus.start();
  return { db, bus, close: async () => (await bus.stop(), await db.close(), await throwaway.drop()) };
};

for (const [mode, open, skip] of [
  ['InProcessBus + PGlite', embedded, false],
  ['NATS JetStream + PostgreSQL', distributed, pgService.skip || natsService.skip],
] as const) {
  describe(`per-device baselines (${mode})`, { skip }, () => {
    const run = randomBytes(4).toString('hex');
    const camera: DeviceRef = { site: `bl-${run}`, device: 'press-7' };
    const events: ScoreEvent[] = [];
    let platform: Platform;
    let registry: ModelRegistry;
    let replicas: Inference[] = [];
    let http: HttpServer;
    let url: string;
    let seq = 0;
    let frames: number;

    const settings = (instance: string): InferenceSettings => ({
      kind: 'thermal',
      batchSize: 16,
      batchMaxWaitMs: 5,
      ortThreads: 1,
      maxAckPending: 1_000,
      maxUploadBytes: 65_536,
      deadLetterMaxBytes: 1_024,
      instanceId: `${instance}-${run}`,
      retryDelayMs: 50,
      consumerName: `inference-thermal-bl-${run}`,
      deliverPolicy: 'new',
      baselines: { enabled: true, policy: { gate: 'fleet', maxFleetScore: 0.5, minIntervalMs: 0 } },
    });
    const startReplicas = async () => {
      replicas = ['a', 'b'].map((i) => new Inference(settings(i), { db: platform.db, bus: platform.bus, logger, registry: createRegistry(`bl-${i}`, false), models: registry }));
      await Promise.all(replicas.map((r) => r.start()));
      http = new HttpServer({ logger, registry: createRegistry('bl-http', false), readiness: [], routers: [{ path: '/api/v1', router: replicas[0]!.router }], portSetting: 'HTTP_PORT' });
      url = `http://127.0.0.1:${await http.start(0)}/api/v1/inference/thermal/baselines`;
    };
    const stopReplicas = async () => {
      await http.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    };
    /** Publishes frames of the camera (a healthy episode unless `fault`); resolves with their score events. */
    const publish = async (count: number, options: { episode: number; fault?: ThermalAnomalyKind; t0?: number; device?: DeviceRef; hotBlock?: boolean }): Promise<ScoreEvent[]> => {
      const ref = options.device ?? camera;
      const first = seq + 1;
      for (let k = 0; k < count; k++) {
        seq++;
        const t = (options.t0 ?? 0) + 2 * k;
        const celsius = generateThermalFrame({ width: 32, height: 24, instanceId: 9, seed: SEED, episode: options.episode, t, anomaly: options.fault ? { kind: options.fault, severity: 1, onsetT: 0, rampFrames: 0 } : undefined });
        // A machine 30 °C hotter over a 5×5 block than any the fleet was trained on.
        if (options.hotBlock) for (let y = 10; y < 15; y++) for (let x = 14; x < 19; x++) celsius[y * 32 + x]! += 30;
        await platform.bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: T0 + seq * 1_000, seq, width: 32, height: 24, celsius }), { msgId: deviceMessageId(ref, 'thermal', seq) });
      }
      return waitFor(`${count} score events`, () => {
        const mine = events.filter((e) => e.seq >= first && e.seq <= seq);
        return mine.length === count ? mine : undefined;
      }, 30_000);
    };
    const record = (ref = camera) => platform.db.db.selectFrom('device_baselines').selectAll().where('device_id', '=', `${ref.site}/${ref.device}`).executeTakeFirst();

    before(async () => {
      platform = await open(run);
      await platform.bus.consume({ stream: busSubjects.scores.stream, durable: `bl-scores-${run}`, filterSubject: `pm.scores.thermal.${camera.site}.>`, deliverPolicy: 'new' }, (m) => {
        const decoded = decodeEvent('scores', m);
        assert.ok(decoded.ok, 'score events follow the contract');
        events.push(decoded.value);
        m.ack();
      });
      registry = new ModelRegistry({ db: platform.db.db, bus: platform.bus, store: new MemoryArtifactStore(), logger });
      await registry.register({ kind: 'thermal', bytes: new Uint8Array(await readFile(thermalModel)) });
      await startReplicas();
      frames = (await (await fetch(url)).json() as { frames: number }).frames;
      assert.ok(frames >= 2, 'the shipped thermal model declares its enrollment size');
    });

    after(async () => {
      await stopReplicas();
      await platform?.close();
    });

    it('scores a new camera against the fleet while two replicas enroll it, then against its own baseline', async () => {
      // Two healthy episodes, as the training evaluation enrolled; a few more in case the fleet rejects some.
      const enrolling = [...(await publish(frames / 2 + 5, { episode: 100 })), ...(await publish(frames / 2 + 5, { episode: 101 }))];
      assert.ok(enrolling.slice(0, 10).every((e) => e.reference === 'fleet'), 'a camera not enrolled yet is scored against the fleet');
      const row = await waitFor('the baseline to be ready', async () => ((await record())?.status === 'ready' ? record() : undefined), 30_000);
      assert.equal(row!.accepted >= frames, true, `${row!.accepted} samples accepted`);
      assert.equal(row!.baseline!.byteLength, 4 * 4 * 768, 'subspace baseline: mean, 2 directions and the spread of 768 pixels');
      const samples = await platform.db.db.selectFrom('baseline_samples').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      assert.ok(Number(samples.n) >= frames, 'every accepted sample is stored');
      // Both replicas hear of it: every later frame, whichever replica takes it, is compared with the camera itself.
      await waitFor('both replicas to score against the baseline', async () => {
        const later = await publish(6, { episode: 0, t0: 40 });
        return later.every((e) => e.reference === 'device') ? later : undefined;
      }, 30_000);
      const healthy = await publish(10, { episode: 0, t0: 10 });
      const hot = [...(await publish(4, { episode: 0, fault: 'hotspot', t0: 60 })), ...(await publish(4, { episode: 0, fault: 'cooling_failure', t0: 60 }))];
      assert.ok([...healthy, ...hot].every((e) => e.reference === 'device'));
      assert.ok(Math.max(...healthy.map((e) => e.score)) < 0.5, `healthy frames against the baseline: ${healthy.map((e) => e.score.toFixed(3))}`);
      assert.ok(Math.min(...hot.map((e) => e.score)) > 0.5, `faulty frames against the baseline: ${hot.map((e) => e.score.toFixed(3))}`);
      const stored = await platform.db.db.selectFrom('scores').select(['reference']).where('device_id', '=', `${camera.site}/${camera.device}`).where('seq', '=', hot[0]!.seq).executeTakeFirstOrThrow();
      assert.equal(stored.reference, 'device', 'scores.reference records it too');
      // An upload names the device to be judged against its baseline.
      const matrix = JSON.stringify(Array.from({ length: 24 }, (_, y) => Array.from(generateThermalFrame({ width: 32, height: 24, instanceId: 9, seed: SEED, episode: 0, t: 12 }).subarray(y * 32, y * 32 + 32))));
      const upload = (query: string) => fetch(`${url.replace('/baselines', '/score')}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: matrix });
      const mine = (await (await upload(`?site=${camera.site}&device=${camera.device}`)).json()) as { reference: string; score: number; fleetScore: number };
      assert.equal(mine.reference, 'device');
      assert.ok(mine.score < 0.5 && typeof mine.fleetScore === 'number');
      assert.equal(((await (await upload('')).json()) as { reference: string }).reference, 'fleet');
      assert.equal((await upload('?site=x')).status, 400, 'site without device');
    });

    it('lists the baseline, keeps it across a restart, and enrolls again after a reset', async () => {
      const list = (await (await fetch(`${url}?site=${camera.site}`)).json()) as { baselines: { device: string; status: string; progress: number; inService: boolean }[] };
      assert.deepEqual(list.baselines.map((b) => [b.device, b.status, b.progress, b.inService]), [[camera.device, 'ready', 1, true]]);
      assert.equal((await fetch(`${url}/${camera.site}/nobody`)).status, 404);
      assert.equal((await fetch(`${url}/${camera.site}/bad%20id`)).status, 400);
      assert.equal((await fetch(`${url}?status=finished`)).status, 400);

      await stopReplicas();
      await startReplicas();
      const afterRestart = await publish(4, { episode: 0, t0: 20 });
      assert.ok(afterRestart.every((e) => e.reference === 'device'), 'a restarted replica scores against the stored baseline from its first frame');

      const reset = await fetch(`${url}/${camera.site}/${camera.device}/reset`, { method: 'POST' });
      assert.equal(reset.status, 200);
      assert.equal((await fetch(`${url}/${camera.site}/${camera.device}/reset`, { method: 'POST' })).status, 404, 'nothing left to reset');
      await waitFor('both replicas to drop the baseline', async () => {
        const later = await publish(4, { episode: 0, t0: 30 });
        return later.every((e) => e.reference === 'fleet') ? later : undefined;
      }, 30_000);
      const one = (await (await fetch(`${url}/${camera.site}/${camera.device}`)).json()) as { reference: string; baselines: { status: string }[] };
      assert.equal(one.reference, 'fleet');
      assert.deepEqual(one.baselines.map((b) => b.status), ['enrolling'], 'the camera enrolls again from its next healthy frames');
    });

    it('lists a camera the fleet always flags, and enrolls it once an engineer vouches for it', async () => {
      // A camera hotter than the fleet from its first frame: every frame is flagged, so it never enrolls on its own.
      const odd: DeviceRef = { site: camera.site, device: 'odd-1' };
      const flagged = await publish(6, { episode: 100, device: odd, hotBlock: true });
      assert.ok(flagged.every((e) => e.reference === 'fleet' && e.score > 0.5), 'the fleet finds every frame anomalous');
      const listed = await waitFor('the camera to be listed', async () => ((await record(odd))?.rejected ?? 0) > 0 ? record(odd) : undefined);
      assert.equal(listed!.accepted, 0);
      const enroll = (body: unknown) => fetch(`${url}/${odd.site}/${odd.device}/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await enroll({ acceptFleetAnomalous: 'yes' })).status, 400);
      assert.equal((await enroll({ accept: true })).status, 400);
      const started = await enroll({ acceptFleetAnomalous: true });
      assert.equal(started.status, 202);
      assert.equal(((await started.json()) as { acceptFleetAnomalous: boolean }).acceptFleetAnomalous, true);
      // Both replicas hear of the restart; then the vouched-for frames fill the enrollment.
      await new Promise((r) => setTimeout(r, 200));
      await publish(frames + 4, { episode: 100, device: odd, hotBlock: true });
      await waitFor('the baseline to be ready', async () => ((await record(odd))?.status === 'ready' ? true : undefined), 30_000);
    });
  });
}
