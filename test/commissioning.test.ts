// Commissioning enrollment end to end (issue 13): a new thermal camera the fleet model finds
// anomalous on every frame still learns its own normal from its first frames (the fleet's
// opinion is shown, not a gate); until then its scores are taken against the fleet and the
// alerts fusion raises from them are capped at INFO with the reason; an engineer can mark a
// machine faulty so it does not enroll, and re-enroll it after the repair. Runs on
// InProcessBus + PGlite and on NATS JetStream + PostgreSQL with the shipped thermal model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { busSubjects, deviceMessageId, encodeFrame, type DeviceRef, type ScoreEvent } from '@premonitor/contracts';
import { decodeEvent } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { generateThermalFrame } from '@premonitor/ml/data';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, type InferenceSettings } from '@premonitor/inference';
import { FusionEngine, type RaiseDecision } from '@premonitor/fusion';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'commissioning-test', level: 'silent' });
const thermalModel = fileURLToPath(new URL('../../models/thermal.onnx', import.meta.url));
const SEED = 626262;
const T0 = 1_700_000_000_000;
/** Enrollment size used here (the model's is 80): keeps the test short. */
const SAMPLES = 12;

interface View {
  status: string;
  accepted: number;
  frames: number;
  rejected: number;
  fleetOpinion: { anomalous: number; meanScore: number | null };
  framesPerDay: number | null;
  faulty: { note: string | null } | null;
}

for (const mode of await busAndDatabaseModes('commissioning', logger)) {
  describe(`commissioning enrollment (${mode.name})`, { skip: mode.skip }, () => {
    const run = randomBytes(4).toString('hex');
    const site = `cm-${run}`;
    const events: ScoreEvent[] = [];
    let platform: BusAndDatabase;
    let inference: Inference;
    let http: HttpServer;
    let url: string;
    let seq = 0;

    const settings: InferenceSettings = {
      kind: 'thermal',
      batchSize: 16,
      batchMaxWaitMs: 5,
      ortThreads: 1,
      maxAckPending: 1_000,
      maxUploadBytes: 65_536,
      deadLetterMaxBytes: 1_024,
      instanceId: `cm-${run}`,
      retryDelayMs: 50,
      consumerName: `inference-thermal-cm-${run}`,
      deliverPolicy: 'new',
      // The default gate (commissioning), with a smaller enrollment than the model's.
      baselines: { enabled: true, policy: { maxFleetScore: 0.5, minIntervalMs: 0 }, samples: SAMPLES },
    };
    /** Frames of a camera 30 °C hotter over a block than any the fleet was trained on, one every 10 s of device time. */
    const publish = async (ref: DeviceRef, count: number): Promise<ScoreEvent[]> => {
      const first = seq + 1;
      for (let k = 0; k < count; k++) {
        seq++;
        const celsius = generateThermalFrame({ width: 32, height: 24, instanceId: 9, seed: SEED, episode: 100, t: 2 * k });
        for (let y = 10; y < 15; y++) for (let x = 14; x < 19; x++) celsius[y * 32 + x]! += 30;
        await platform.bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: T0 + seq * 10_000, seq, width: 32, height: 24, celsius }), { msgId: deviceMessageId(ref, 'thermal', seq) });
      }
      return waitFor(`${count} score events`, () => {
        const mine = events.filter((e) => e.seq >= first && e.seq <= seq);
        return mine.length === count ? mine : undefined;
      }, 30_000);
    };
    const status = async (ref: DeviceRef): Promise<View> => {
      const res = await fetch(`${url}/${ref.site}/${ref.device}`);
      assert.equal(res.status, 200);
      return ((await res.json()) as { baselines: View[] }).baselines[0]!;
    };
    const post = (ref: DeviceRef, action: string, body?: unknown) =>
      fetch(`${url}/${ref.site}/${ref.device}/${action}`, { method: 'POST', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });

    before(async () => {
      platform = await mode.open();
      await platform.bus.consume({ stream: busSubjects.scores.stream, durable: `cm-scores-${run}`, filterSubject: `pm.scores.thermal.${site}.>`, deliverPolicy: 'new' }, (m) => {
        const decoded = decodeEvent('scores', m);
        assert.ok(decoded.ok, 'score events follow the contract');
        events.push(decoded.value);
        m.ack();
      });
      const registry = new ModelRegistry({ db: platform.db.db, bus: platform.bus, store: new MemoryArtifactStore(), logger });
      await registry.register({ kind: 'thermal', bytes: new Uint8Array(await readFile(thermalModel)) });
      inference = new Inference(settings, { db: platform.db, bus: platform.bus, logger, registry: createRegistry('cm', false), models: registry });
      await inference.start();
      http = new HttpServer({ logger, registry: createRegistry('cm-http', false), readiness: [], routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
      url = `http://127.0.0.1:${await http.start(0)}/api/v1/inference/thermal/baselines`;
    });

    after(async () => {
      await http?.stop();
      await inference?.stop();
      await platform?.stop();
    });

    it('enrolls a camera the fleet flags on every frame from its first frames; until then its alerts are INFO with the reason', async () => {
      const camera: DeviceRef = { site, device: 'hot-1' };
      const enrolling = await publish(camera, SAMPLES);
      assert.ok(enrolling.every((e) => e.reference === 'fleet' && e.score > 0.85), `the fleet finds every frame anomalous: ${enrolling.map((e) => e.score.toFixed(2))}`);
      const fusion = new FusionEngine();
      const raised = enrolling.flatMap((e) => fusion.observe({ type: 'score', event: e }, e.ts)).filter((d): d is RaiseDecision => d.type === 'raise' && d.ruleId === 'thermal-anomaly');
      assert.ok(raised.length > 0);
      assert.ok(raised.every((r) => r.severity === 'INFO' && r.message.startsWith('not yet enrolled: scored against the fleet')), 'never CRITICAL from the fleet model');

      const ready = await waitFor('the camera to be enrolled', async () => ((await status(camera)).status === 'ready' ? status(camera) : undefined), 30_000);
      assert.equal(ready!.accepted, SAMPLES);
      assert.equal(ready!.frames, SAMPLES, 'the configured enrollment size');
      assert.equal(ready!.rejected, 0, 'nothing left out');
      assert.equal(ready!.fleetOpinion.anomalous, SAMPLES, 'the fleet opinion is shown: every sample anomalous to it');
      assert.ok(ready!.fleetOpinion.meanScore! > 0.85);
      assert.ok(Math.abs(ready!.framesPerDay! - 8_640) < 1, `one frame every 10 s of device time: ${ready!.framesPerDay} a day`);

      const later = await waitFor('scores against its own baseline', async () => {
        const next = await publish(camera, 4);
        return next.every((e) => e.reference === 'device') ? next : undefined;
      }, 30_000);
      assert.ok(later!.every((e) => e.score < 0.5), `its own normal is normal: ${later!.map((e) => e.score.toFixed(3))}`);
    });

    it('a camera marked faulty does not enroll until it is reset after the repair', async () => {
      const camera: DeviceRef = { site, device: 'faulty-1' };
      await publish(camera, 3);
      assert.equal((await post(camera, 'faulty', { note: 'x'.repeat(501) })).status, 400);
      assert.equal((await post(camera, 'faulty', { reason: 'x' })).status, 400);
      const marked = await post(camera, 'faulty', { note: 'hot bearing seen on site' });
      assert.equal(marked.status, 200);
      assert.equal(((await marked.json()) as View).status, 'faulty');
      const after = await publish(camera, SAMPLES + 2);
      assert.ok(after.every((e) => e.reference === 'fleet'));
      const view = await status(camera);
      assert.deepEqual([view.status, view.accepted, view.faulty?.note], ['faulty', 0, 'hot bearing seen on site'], 'no sample taken from a machine marked faulty');

      assert.equal((await post(camera, 'reset')).status, 200);
      await publish(camera, SAMPLES);
      await waitFor('the repaired camera to enroll', async () => ((await status(camera)).status === 'ready' ? true : undefined), 30_000);
    });
  });
}
