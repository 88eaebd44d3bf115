// The rollout watch and the live score reference across replicas (issue 14, items 5 and 7): the
// watch's frame counts and the frames that fix a live reference are in the database, so two
// replicas that each get a share of the scores judge the same totals, a restart continues a watch,
// and a rollback is decided and published by exactly one replica.
// Embedded (PGlite + in-process bus) and distributed (PostgreSQL + NATS) modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { FrameKind, ModelHealthEvent, ScoreEvent } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { DriftMonitor, RolloutWatch, scoreReferenceOf, scoreReferenceRepository } from '@premonitor/retraining';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { collectModelHealth } from './support/model-health-events.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'rollout-replicas-test', level: process.env.TEST_LOG ? 'info' : 'silent' });
// Every frame counted at once (judgeEveryFrames 1): the replicas' counts and claims interleave frame by frame.
const settings = { watchMs: 600_000, minFrames: 20, minDeviceFrames: 10, maxOverRateRise: 0.2, maxPsi: 100, alertScore: 0.85, judgeEveryFrames: 1, judgeEveryMs: 1_000, claimLeaseMs: 60_000 };

for (const mode of await busAndDatabaseModes('rollout-replicas', logger)) {
  describe(`rollout watch and live references shared by replicas, ${mode.name}`, { skip: mode.skip, timeout: 180_000 }, () => {
    const run = randomBytes(4).toString('hex');
    const site = `rr-${run}`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let env: BusAndDatabase;
    let health: Subscription;
    const events: ModelHealthEvent[] = [];
    // Versions of this run only: a rollback event's message id is its kind and version, and JetStream
    // drops a second publish of one id within its duplicate window (a rerun of this file minutes later).
    const production: Record<FrameKind, string> = { thermal: `t2-${run}`, acoustic: `a2-${run}` };
    const previous: Record<FrameKind, string> = { thermal: `t1-${run}`, acoustic: `a1-${run}` };
    const rollbacks: string[] = [];
    // One registry behind both replicas, as in a deployment.
    const registry = {
      production: async (kind: string) => ({ version: production[kind as FrameKind] }) as never,
      rollback: async (kind: string) => (rollbacks.push(`${kind}:${production[kind as FrameKind]}`), (production[kind as FrameKind] = previous[kind as FrameKind]), { version: previous[kind as FrameKind] } as never),
    };
    const replica = () => new RolloutWatch({ db: env.db.db, bus: env.bus, registry, clock, logger }, settings);
    let seq = 0;
    const score = (kind: FrameKind, device: string, value: number, version = production[kind]): ScoreEvent => ({ site, device, kind, ts: clock.now(), seq: ++seq, score: value, modelVersion: version, latencyMs: 1, input: { level: 20 + (seq % 7), spread: 3 + (seq % 5) } });
    const promotion = (kind: FrameKind) => ({ kind, version: production[kind], sha256: '0'.repeat(64), size: 1, previousVersion: previous[kind], ts: clock.now() });
    const watchRow = (kind: FrameKind) => env.db.db.selectFrom('model_rollouts').selectAll().where('kind', '=', kind).orderBy('id', 'desc').executeTakeFirstOrThrow();

    before(async () => {
      env = await mode.open();
      // The previous models' references: 10 % of their normal scores above 0.85.
      for (const [kind, version] of Object.entries(previous)) await scoreReferenceRepository.save(env.db.db, scoreReferenceOf(kind, version, 'held-out', Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 0.9 : 0.1 + (i % 7) / 100)), 10, 0.85));
      health = await collectModelHealth(env.bus, site, '*', events);
    });

    after(async () => {
      await health?.stop();
      await env?.stop();
    });

    it('two replicas that each get half of the frames judge the whole watch (one heard the promotion), and exactly one rolls back and publishes', async () => {
      const [a, b] = [replica(), replica()];
      await a.start();
      await b.start();
      try {
        // Only replica a consumes the promotion (a shared durable delivers it once).
        await a.promoted(promotion('thermal'));
        // 18 frames alternating between the replicas: device cam-1 at 60 % over 0.85 (10 % before); neither alone has 20.
        for (let i = 0; i < 18; i++) await (i % 2 ? a : b).observe(score('thermal', i % 3 === 2 ? 'cam-2' : 'cam-1', i % 5 < 3 ? 0.95 : 0.1));
        assert.deepEqual(rollbacks, [], 'not before minFrames frames in all');
        assert.equal((await watchRow('thermal')).frames, 18, 'both replicas counted into the same watch');
        // A frame redelivered to both replicas at once counts once (the 19th: below minFrames, nothing is judged yet).
        const twice = score('thermal', 'cam-2', 0.1);
        await Promise.all([a.observe(twice), b.observe(twice), a.observe(twice)]);
        assert.equal((await watchRow('thermal')).frames, 19, 'a redelivered frame counts once');
        // The next frames reach both replicas at once: both judge 20+ frames; one claims the rollback.
        await Promise.all([a.observe(score('thermal', 'cam-1', 0.95)), b.observe(score('thermal', 'cam-1', 0.95)), a.observe(score('thermal', 'cam-1', 0.95)), b.observe(score('thermal', 'cam-1', 0.95))]);
        assert.deepEqual(rollbacks, [`thermal:t2-${run}`], 'rolled back once');
        const row = await watchRow('thermal');
        assert.equal(row.status, 'rolled_back');
        const decision = row.decision as { frames: number; reasons: string[]; devices: Record<string, { frames: number }> };
        assert.ok(decision.frames >= 20 && decision.frames <= 23, `decided on ${decision.frames} frames`);
        assert.match(decision.reasons.join('; '), new RegExp(`^${site}/cam-1: \\d+\\.\\d % of \\d+ frames scored above 0\\.85`));
        await waitFor('the rollback event', () => (events.some((e) => e.event === 'rollback' && e.kind === 'thermal') ? true : undefined));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(events.filter((e) => e.event === 'rollback' && e.kind === 'thermal').length, 1, 'published by one replica');
        // Frames of the rolled-back model that are still in flight count nowhere.
        await b.observe(score('thermal', 'cam-1', 0.95, `t2-${run}`));
        assert.equal((await watchRow('thermal')).frames, row.frames);
        // The rollback's own promotion (heard by the other replica) opens no watch of the restored model.
        await b.promoted({ kind: 'thermal', version: `t1-${run}`, sha256: '0'.repeat(64), size: 1, previousVersion: `t2-${run}`, ts: clock.now() });
        assert.equal((await watchRow('thermal')).id, row.id);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    it('a restart during a watch continues its counts', async () => {
      const before = replica();
      await before.start();
      await before.promoted(promotion('acoustic'));
      for (let i = 0; i < 12; i++) await before.observe(score('acoustic', 'pump-1', 0.97));
      await before.stop();
      assert.deepEqual(rollbacks.filter((r) => r.startsWith('acoustic')), []);
      // A new process: nothing in memory; the 8 frames it sees complete the 20 of the watch.
      const restarted = replica();
      await restarted.start();
      try {
        for (let i = 0; i < 7; i++) await restarted.observe(score('acoustic', 'pump-1', 0.97));
        assert.deepEqual(rollbacks.filter((r) => r.startsWith('acoustic')), []);
        await restarted.observe(score('acoustic', 'pump-1', 0.97));
        assert.deepEqual(rollbacks.filter((r) => r.startsWith('acoustic')), [`acoustic:a2-${run}`]);
        const row = await watchRow('acoustic');
        assert.deepEqual([row.status, (row.decision as { frames: number }).frames], ['rolled_back', 20]);
      } finally {
        await restarted.stop();
      }
    });

    it('two drift monitors that each see half of a new model\'s first frames learn its live references together; a restarted one keeps them', async () => {
      const refFrames = 40;
      const monitor = () => new DriftMonitor({ db: env.db.db, bus: env.bus, clock, logger, metrics: new Registry(), production: async () => 'live-1' }, { window: 300, minWindow: 100, bins: 10, psiThreshold: 0.25, jsThreshold: 0.3, referenceFrames: refFrames, alertScore: 0.85 });
      const [a, b] = [monitor(), monitor()];
      for (let i = 0; i < refFrames / 2; i++) await (i % 2 ? a : b).observe(score('thermal', `cam-${i % 4}`, ((i * 37) % 100) / 200, 'live-1'));
      assert.deepEqual((await a.status('thermal')).reference, { learning: refFrames / 2, of: refFrames }, 'the frames of both replicas count');
      for (let i = refFrames / 2; i < refFrames; i++) await (i % 2 ? a : b).observe(score('thermal', `cam-${i % 4}`, ((i * 37) % 100) / 200, 'live-1'));
      const stored = await env.db.db.selectFrom('model_score_references').selectAll().where('kind', '=', 'thermal').where('version', '=', 'live-1').executeTakeFirst();
      assert.deepEqual([stored?.source, stored?.count], ['live', refFrames], 'learned from the first frames of both replicas');
      const inputs = await env.db.db.selectFrom('model_input_references').select(['feature', 'count']).where('kind', '=', 'thermal').where('version', '=', 'live-1').orderBy('feature').execute();
      assert.deepEqual(inputs, [{ feature: 'level', count: refFrames }, { feature: 'spread', count: refFrames }]);
      const restarted = (await monitor().status('thermal')).reference;
      assert.deepEqual([restarted && 'source' in restarted ? restarted.source : restarted, restarted && 'count' in restarted ? restarted.count : undefined], ['live', refFrames]);
    });
  });
}
