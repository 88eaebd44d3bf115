// The model watch of retraining (issue 14, items 5 and 7) on the real bus and database: drift of
// a production model per device against its reference distribution (PSI, JS distance), the
// drift event fusion turns into an INFO alert, and the rollout watch that rolls a promotion
// whose live scores are all high back by itself — registry, record, audit, event and alert.
// Thermal frames go through the real inference (reference models: score = sigmoid((hottest −
// centre) / 5 °C)), which publishes the scores the watch reads and hot-swaps on each promotion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { busSubjects, deviceMessageId, encodeFrame, type ModelHealthEvent } from '@premonitor/contracts';
import { decodeEvent, type Subscription } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { Inference, buildThermalReferenceModel } from '@premonitor/inference';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { ModelWatch, createDriftApi, type KindDrift } from '@premonitor/retraining';
import { systemClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { sampleValue } from './support/metric-families.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'model-watch-test', level: process.env.TEST_LOG ? 'info' : 'silent' });

/** The i-th of an evenly spread, deterministic sequence in [low, low + width). */
const spread = (i: number, low: number, width: number) => low + (width * ((i * 37) % 100)) / 100;
/** `n` healthy hottest-pixel temperatures, 30–45 °C, starting at the `from`-th of the sequence. */
const healthy = (n: number, from = 0) => Array.from({ length: n }, (_, i) => spread(i + from, 30, 15));

for (const mode of await busAndDatabaseModes('model-watch', logger)) {
  describe(`model watch: drift and automatic rollback, ${mode.name}`, { skip: mode.skip, timeout: 240_000 }, () => {
    const site = `mw-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    const good = `good-${tag}`;
    const bad = `bad-${tag}`;
    let env: BusAndDatabase;
    let dir = '';
    let registry: ModelRegistry;
    let watch: ModelWatch;
    let fusion: Fusion;
    let inference: Inference;
    let http: HttpServer;
    let health: Subscription;
    const metrics = new Registry();
    const events: ModelHealthEvent[] = [];
    let api = '';
    let seq = 0;

    /** One thermal frame per hottest temperature (°C), 25 °C elsewhere; each awaited until it is scored. */
    const publishFrames = async (device: string, hottest: readonly number[]) => {
      const ref = { site, device };
      const first = seq + 1;
      for (const celsiusMax of hottest) {
        seq++;
        const celsius = new Float32Array(32 * 24).fill(25);
        celsius[seq % celsius.length] = celsiusMax;
        await env.bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: Date.now(), seq, width: 32, height: 24, celsius }), { msgId: deviceMessageId(ref, 'thermal', seq) });
      }
      await waitFor(`${hottest.length} frames of ${device} scored`, async () => {
        const row = await env.db.db.selectFrom('scores').select((eb) => eb.fn.countAll<string>().as('n')).where('device_id', '=', `${site}/${device}`).where('seq', '>=', first).executeTakeFirst();
        return Number(row?.n ?? 0) >= hottest.length ? true : undefined;
      }, 60_000);
    };
    const drift = async () => (await (await fetch(`${api}/models/thermal/drift`)).json()) as KindDrift;
    const deviceDrift = async (device: string) => (await drift()).devices.find((d) => d.device.device === device);
    const alertsOf = (rule: string) => env.db.db.selectFrom('alerts').selectAll().where('site', '=', site).where('rule', '=', rule).execute();

    before(async () => {
      env = await mode.open();
      dir = await mkdtemp(join(tmpdir(), 'pm-model-watch-'));
      registry = new ModelRegistry({ db: env.db.db, bus: env.bus, store: new FileArtifactStore(join(dir, 'models')), logger });
      assert.equal((await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: good, centerCelsius: 60 }) })).stage, 'production');
      watch = new ModelWatch(
        { db: env.db.db, bus: env.bus, registry, clock: systemClock, logger, metrics },
        {
          drift: { window: 60, minWindow: 40, bins: 10, psiThreshold: 0.25, jsThreshold: 0.3, referenceFrames: 100, alertScore: 0.85 },
          rollout: { watchMs: 600_000, minFrames: 60, minDeviceFrames: 20, maxOverRateRise: 0.2, maxPsi: 2, judgeEveryFrames: 20, judgeEveryMs: 200, claimLeaseMs: 60_000 },
          durablePrefix: `mw_${tag}`,
          site,
        },
      );
      inference = new Inference(
        { kind: 'thermal', batchSize: 16, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 1_000, maxUploadBytes: 65_536, deadLetterMaxBytes: 1_024, instanceId: tag, retryDelayMs: 100, consumerName: `inference_${tag}`, deliverPolicy: 'new' },
        { db: env.db, bus: env.bus, logger, registry: createRegistry('model-watch-inference', false), models: registry },
      );
      fusion = new Fusion({ rulesReloadMs: 0, tickMs: 60_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } }, { db: env.db, bus: env.bus, logger, registry: createRegistry('model-watch-fusion', false), clock: systemClock });
      http = new HttpServer({ logger, registry: createRegistry('model-watch-http', false), readiness: [], routers: [{ path: '/api/v1', router: createDriftApi(watch.drift) }], portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      health = await env.bus.consume({ stream: 'PM_EVENTS', durable: `health_${tag}`, filterSubject: `pm.model-health.thermal.${site}.*`, deliverPolicy: 'new' }, (m) => {
        const decoded = decodeEvent('modelHealth', m);
        if (decoded.ok) events.push(decoded.value);
        m.ack();
      });
      await fusion.start();
      await watch.start();
      await inference.start();
    });

    after(async () => {
      await inference?.stop();
      await watch?.stop();
      await health?.stop();
      await fusion?.stop();
      await http?.stop();
      await env?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('learns a live reference for a model without one; a device whose scores shift drifts (gauge, event, INFO alert) and comes back', async () => {
      // 50 healthy frames (hottest pixel 30–45 °C: scores 0.002–0.05) from each of two cameras:
      // the first 100 the model scores fix its reference.
      await publishFrames('cam-1', healthy(50));
      await publishFrames('cam-2', healthy(50, 50));
      await publishFrames('cam-1', healthy(10, 13));
      const steady = await waitFor('the windows judged against the learned reference', async () => {
        const d = await drift();
        return d.devices.filter((x) => x.psi !== null).length === 2 && d.devices.every((x) => x.window >= 50) ? d : undefined;
      }, 60_000);
      assert.equal(steady.modelVersion, good);
      assert.deepEqual([(steady.reference as { source: string }).source, (steady.reference as { count: number }).count], ['live', 100]);
      assert.deepEqual(Object.keys(steady.inputReference ?? {}).sort(), ['level', 'spread'], 'the input statistics inference publishes got references too');
      for (const d of steady.devices) assert.ok(!d.drifting && d.psi! < 0.25 && d.inputPsi.spread! < 0.25, `${d.device.device}: PSI ${d.psi}, input ${JSON.stringify(d.inputPsi)}`);

      // cam-1 runs hotter (50–58 °C: scores 0.12–0.40, above anything in the reference): it drifts, cam-2 does not.
      await publishFrames('cam-1', Array.from({ length: 60 }, (_, i) => spread(i, 50, 8)));
      const drifted = await waitFor('cam-1 drifting', async () => ((await deviceDrift('cam-1'))?.drifting ? deviceDrift('cam-1') : undefined), 60_000);
      assert.ok(drifted!.psi! >= 0.25, `PSI ${drifted!.psi}`);
      assert.ok(drifted!.inputPsi.spread! >= 0.25, `the hot-spot contrast moved too: ${JSON.stringify(drifted!.inputPsi)}`);
      assert.equal((await deviceDrift('cam-2'))?.drifting, false);
      const text = await metrics.metrics();
      assert.ok((sampleValue(text, 'pm_model_drift_psi', { kind: 'thermal', device: `${site}/cam-1` }) ?? 0) >= 0.25, text);
      assert.equal(sampleValue(text, 'pm_model_drift_drifting', { kind: 'thermal', device: `${site}/cam-1` }), 1);
      assert.ok((sampleValue(text, 'pm_model_input_drift_psi', { kind: 'thermal', device: `${site}/cam-1`, feature: 'spread' }) ?? 0) >= 0.25);
      const event = await waitFor('the drift event', () => events.find((e) => e.event === 'drift' && e.state === 'drifting'));
      assert.deepEqual([event.device, event.kind, event.event === 'drift' && event.modelVersion], ['cam-1', 'thermal', good]);
      assert.ok(event.event === 'drift' && event.inputPsi?.spread !== undefined, JSON.stringify(event));
      const [alert] = await waitFor('the INFO model-drift alert', async () => ((await alertsOf('model-drift')).length ? alertsOf('model-drift') : undefined), 30_000);
      assert.deepEqual([alert!.severity, alert!.device_id, alert!.status], ['INFO', `${site}/cam-1`, 'open']);

      // Healthy again: the window refills with reference-like scores and the device is back to ok.
      await publishFrames('cam-1', healthy(60, 7));
      await waitFor('cam-1 back to ok', async () => ((await deviceDrift('cam-1'))?.drifting === false ? true : undefined), 60_000);
      await waitFor('the drift-over event', () => events.find((e) => e.event === 'drift' && e.state === 'ok' && e.device === 'cam-1'));
    });

    it('rolls back by itself a promoted model whose scores are all high: registry, rollout record, audit, event and INFO alert', async () => {
      // cam-2 drifts under the good model; replacing the model ends that drift (its alert must not hold forever).
      await publishFrames('cam-2', Array.from({ length: 60 }, (_, i) => spread(i, 50, 8)));
      await waitFor('cam-2 drifting', () => events.find((e) => e.event === 'drift' && e.state === 'drifting' && e.device === 'cam-2'), 30_000);
      await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: bad, centerCelsius: 20 }) });
      await registry.promote('thermal', bad);
      await waitFor('cam-2 drift over with the model replaced', () => events.find((e) => e.event === 'drift' && e.state === 'ok' && e.device === 'cam-2' && e.modelVersion === good), 30_000);
      await waitFor('the rollout watch opened', () => env.db.db.selectFrom('model_rollouts').selectAll().where('version', '=', bad).where('status', '=', 'watching').executeTakeFirst(), 30_000);
      // The same healthy frames: the bad model (centre 20 °C) scores every one of them 0.88–0.99,
      // against none above 0.85 for the good one. Rounds of 20 per camera until the watch acts
      // (inference swaps to the bad model when it hears of the promotion; frames before that are the good one's).
      const rolledBack = () => env.db.db.selectFrom('model_rollouts').selectAll().where('version', '=', bad).where('status', '=', 'rolled_back').executeTakeFirst();
      for (let round = 0; round < 8 && !(await rolledBack()); round++) {
        await publishFrames('cam-1', healthy(20, round));
        await publishFrames('cam-2', healthy(20, round + 3));
      }
      const rollout = await waitFor('the rollback recorded', rolledBack, 30_000);
      assert.equal((await registry.production('thermal'))?.version, good, 'production is the previous model again');
      const decision = rollout.decision as { reasons: string[]; restoredVersion: string; frames: number; referenceSource: string };
      assert.equal(decision.restoredVersion, good);
      assert.equal(decision.referenceSource, 'live');
      assert.ok(decision.frames >= 60 && rollout.frames >= 60, JSON.stringify(decision));
      assert.ok(decision.reasons.some((r) => /100\.0 % of \d+ frames scored above 0\.85 against 0\.0 %/.test(r)), decision.reasons.join('; '));
      const [history] = await registry.history({ kind: 'thermal', limit: 1 });
      assert.deepEqual([history?.action, history?.version, history?.previous_version], ['rollback', good, bad]);
      assert.match(history?.reason ?? '', /^rolled back by the rollout watch: /);
      const audit = await env.db.db.selectFrom('audit_events').selectAll().where('actor', '=', 'retraining:rollout-watch').execute();
      assert.ok(audit.some((a) => (a.detail as { from?: string; to?: string }).from === bad && (a.detail as { to?: string }).to === good), JSON.stringify(audit));
      const event = await waitFor('the rollback event', () => events.find((e) => e.event === 'rollback'));
      assert.ok(event.event === 'rollback' && event.restoredVersion === good && event.modelVersion === bad && /rolled back by the rollout watch/.test(event.reason));
      const [alert] = await waitFor('the INFO model-rollback alert', async () => ((await alertsOf('model-rollback')).length ? alertsOf('model-rollback') : undefined), 30_000);
      assert.equal(alert!.severity, 'INFO');
      // Inference hot-swapped back: new frames are the good model's again.
      const after = seq;
      await waitFor('frames scored by the restored model', async () => {
        await publishFrames('cam-2', healthy(2));
        return env.db.db.selectFrom('scores').select('model_version').where('device_id', '=', `${site}/cam-2`).where('seq', '>', after).where('model_version', '=', good).executeTakeFirst();
      }, 30_000);
      // The restoration's own promotion event is not watched: it would compare the good model with itself.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await env.db.db.selectFrom('model_rollouts').select('id').where('version', '=', good).execute()).length, 0);
    });
  });
}
