// From the field to labelled samples (issue 14): an operator's verdict on an alert
// (POST /api/v1/alerts/:id/feedback, fusion) travels on pm.feedback.*, and retraining's consumer
// turns the frames inference kept for the alert's device and window into samples — anomalous
// for a true fault, normal for a false alarm — uploaded by the operator. Both adapter pairs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { Counter, Registry } from 'prom-client';
import { encodeFrame } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { databaseDeadLetters } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { RecentFrames } from '@premonitor/inference';
import { FileArtifactStore } from '@premonitor/registry';
import { ConsumerPolicy } from '@premonitor/resilience';
import { DEFAULT_SAMPLE_LIMITS, FeedbackSamples, SampleIntake, consumeFeedback } from '@premonitor/retraining';
import { ManualClock, systemClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'feedback-samples-test', level: process.env.TEST_LOG ? 'info' : 'silent' });

for (const mode of await busAndDatabaseModes('feedback-samples', logger)) {
  describe(`alert feedback becomes labelled samples, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `fs-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    const clock = new ManualClock(Date.now());
    let env: BusAndDatabase;
    let dir = '';
    let fusion: Fusion;
    let http: HttpServer;
    let consumer: Subscription;
    let policy: ConsumerPolicy;
    let api = '';
    let seq = 0;

    const asActor = Router().use((req, res, next) => {
      res.locals['actor'] = req.get('x-test-actor');
      next();
    });
    const feedback = (id: number, verdict: string) =>
      fetch(`${api}/alerts/${id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-actor': 'otto' }, body: JSON.stringify({ verdict, note: 'checked on site' }) });
    const samplesOf = (device: string) => env.db.db.selectFrom('samples').select(['kind', 'label', 'device_id', 'uploaded_by', 'format']).where('device_id', '=', `${site}/${device}`).orderBy('id').execute();

    /** A device that connected, an alert on it over the last ten minutes, and frames inference kept: two inside the window, one before it. */
    async function deviceWithAlert(device: string, frames: RecentFrames): Promise<number> {
      const now = clock.now();
      await env.db.db.insertInto('devices').values({ id: `${site}/${device}`, site, device, first_seen: new Date(now), last_seen: new Date(now), status_changed_at: new Date(now), online: true }).execute();
      // Content differs per device: the intake stores identical content once (sha256).
      const amplitude = 4_000 + 1_000 * Number(device.slice(-1));
      const tone = (f: number) => Int16Array.from({ length: 16_000 }, (_, i) => Math.round(amplitude * Math.sin(i / f)));
      const frame = (ts: number, f: number) => {
        seq++;
        return { ref: { site, device }, seq, ts, score: 0.9, data: encodeFrame({ kind: 'acoustic', ts, seq, sampleRate: 16_000, samples: tone(f) }) };
      };
      await frames.keep([frame(now - 3_600_000, 3), frame(now - 300_000, 5), frame(now - 120_000, 7)]);
      const alert = await env.db.db
        .insertInto('alerts')
        .values({ device_id: `${site}/${device}`, site, rule: 'acoustic-anomaly', severity: 'WARNING', title: 'acoustic anomaly', first_seen: new Date(now - 600_000), last_seen: new Date(now - 60_000) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(alert.id);
    }

    before(async () => {
      env = await mode.open();
      dir = await mkdtemp(join(tmpdir(), 'pm-feedback-samples-'));
      fusion = new Fusion({ rulesReloadMs: 0, tickMs: 60_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } }, { db: env.db, bus: env.bus, logger, registry: createRegistry('feedback-samples', false), clock });
      http = new HttpServer({ logger, registry: createRegistry('feedback-samples-http', false), readiness: fusion.readiness, routers: [{ path: '/api/v1', router: asActor }, { path: '/api/v1', router: fusion.router }], portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      await fusion.start();
      const intake = new SampleIntake({ db: env.db.db, store: new FileArtifactStore(join(dir, 'samples')), limits: DEFAULT_SAMPLE_LIMITS, clock: systemClock, logger });
      policy = new ConsumerPolicy({ consumer: `feedback_${tag}`, deadLetters: databaseDeadLetters(env.db.db), logger });
      consumer = await consumeFeedback(env.bus, policy, new FeedbackSamples({ db: env.db.db, intake, logger, marginMs: 60_000 }), `feedback_${tag}`);
    });

    after(async () => {
      await consumer?.stop();
      await policy?.settled();
      await fusion?.stop();
      await http?.stop();
      await env?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('labels the frames in the alert window anomalous for a true fault and normal for a false alarm', async () => {
      const registry = new Registry();
      const counters = { kept: new Counter({ name: 'k', help: 'k', labelNames: ['kind', 'why'], registers: [registry] }), evicted: new Counter({ name: 'e', help: 'e', labelNames: ['kind', 'reason'], registers: [registry] }) };
      const frames = new RecentFrames(env.db.db, 'acoustic', { maxFramesPerDevice: 10, maxAgeMs: 86_400_000, highScore: 0.5, normalOneIn: 0 }, counters, clock);
      const faulty = await deviceWithAlert('pump-1', frames);
      const fine = await deviceWithAlert('pump-2', frames);

      assert.equal((await feedback(faulty, 'true_fault')).status, 200);
      assert.equal((await feedback(fine, 'false_alarm')).status, 200);
      const anomalous = await waitFor('the true fault labelled', async () => ((await samplesOf('pump-1')).length === 2 ? samplesOf('pump-1') : undefined));
      const normal = await waitFor('the false alarm labelled', async () => ((await samplesOf('pump-2')).length === 2 ? samplesOf('pump-2') : undefined));
      assert.deepEqual(anomalous, Array(2).fill({ kind: 'acoustic', label: 'anomalous', device_id: `${site}/pump-1`, uploaded_by: 'otto', format: 'wav' }), 'the two frames inside the window, not the one an hour before');
      assert.deepEqual(normal, Array(2).fill({ kind: 'acoustic', label: 'normal', device_id: `${site}/pump-2`, uploaded_by: 'otto', format: 'wav' }));
    });
  });
}
