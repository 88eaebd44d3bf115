// The rollout watch's decisions with a manual clock (PGlite, in-process bus): a promotion that
// behaves like its predecessor passes at the end of its watch; one device whose share of frames
// over the alert score rises beyond the limit rolls it back, frames of other versions aside; a
// kind-wide score PSI beyond its limit rolls back from minFrames on, before any device has
// minDeviceFrames. Its cost and failure modes: frames are counted in batches (every
// judgeEveryFrames frames or judgeEveryMs, and at a stop) and the totals read once per batch; a
// frame delivered twice counts once; a rollback claimed by a replica that then hangs or dies is
// finished by another once the claim's lease has run out, without a second registry rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelHealthEvent, ScoreEvent } from '@premonitor/contracts';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import type { KyselyPlugin } from 'kysely';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { RolloutWatch, scoreReferenceOf, scoreReferenceRepository } from '@premonitor/retraining';
import { pgliteTemplate } from './support/pglite-template.js';
import { collectModelHealth } from './support/model-health-events.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'rollout-spec', level: 'silent' });
const settings = { watchMs: 60_000, minFrames: 20, minDeviceFrames: 10, maxOverRateRise: 0.2, maxPsi: 2, alertScore: 0.85, judgeEveryFrames: 10, judgeEveryMs: 1_000, claimLeaseMs: 30_000 };

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'pm-rollout-spec-'));
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: dir });
  await migrate(db, { schema: PLATFORM_SCHEMA });
  const bus = new InProcessBus();
  await bus.start();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let production = 'v2';
  const rollbacks: string[] = [];
  const registry = {
    production: async () => ({ version: production }) as never,
    rollback: async () => (rollbacks.push(production), (production = 'v1'), { version: 'v1' } as never),
  };
  const watches: RolloutWatch[] = [];
  /** A replica: its own watch on the shared database, bus and registry (`rollback` replaced to make it hang). */
  const replica = (rollback: typeof registry.rollback = registry.rollback) => {
    const w = new RolloutWatch({ db: db.db, bus, registry: { ...registry, rollback }, clock, logger }, settings);
    watches.push(w);
    return w;
  };
  const watch = replica();
  let seq = 0;
  const score = (device: string, value: number, version = 'v2'): ScoreEvent => ({ site: 's', device, kind: 'thermal', ts: clock.now(), seq: ++seq, score: value, modelVersion: version, latencyMs: 1 });
  const rows = () => db.db.selectFrom('model_rollouts').selectAll().orderBy('id').execute();
  const close = async () => {
    for (const w of watches) await w.stop();
    await bus.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  };
  const switchToV1 = () => (rollbacks.push(production), (production = 'v1'));
  return { db: db.db, bus, watch, replica, registry, switchToV1, clock, rollbacks, score, rows, close };
}

test('passes a promotion whose scores look like the previous model\'s, once its watch period is over', async () => {
  const { db, watch, clock, rollbacks, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, scoreReferenceOf('thermal', 'v1', 'held-out', Array.from({ length: 100 }, (_, i) => i / 200), 10, 0.85));
    await watch.start();
    await watch.promoted({ kind: 'thermal', version: 'v2', sha256: '0'.repeat(64), size: 1, previousVersion: 'v1', ts: clock.now() });
    for (let i = 0; i < 40; i++) await watch.observe(score(i % 2 ? 'a' : 'b', ((i * 37) % 100) / 200));
    assert.deepEqual(rollbacks, []);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 5_200)); // the watch looks every 5 s
    const [row] = await rows();
    assert.deepEqual([row!.status, row!.frames, (row!.decision as { reasons: string[] }).reasons], ['passed', 40, ['within every threshold']]);
  } finally {
    await close();
  }
});

test('rolls back when one device\'s share over the alert score rises by more than the limit, ignoring frames of other versions', async () => {
  const { db, watch, clock, rollbacks, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, scoreReferenceOf('thermal', 'v1', 'held-out', Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 0.9 : 0.1)), 10, 0.85));
    await watch.start();
    await watch.promoted({ kind: 'thermal', version: 'v2', sha256: '0'.repeat(64), size: 1, previousVersion: 'v1', ts: clock.now() });
    for (let i = 0; i < 30; i++) await watch.observe(score('old', 0.99, 'v1'));
    assert.deepEqual(rollbacks, [], 'frames of the previous model do not count');
    // Device a: 4 of 10 over 0.85 (40 % against 10 %: +30 %); device b: 1 of 10 (as before).
    for (let i = 0; i < 10; i++) await watch.observe(score('a', i < 4 ? 0.95 : 0.1));
    for (let i = 0; i < 10; i++) await watch.observe(score('b', i < 1 ? 0.95 : 0.1));
    assert.deepEqual(rollbacks, ['v2']);
    const [row] = await rows();
    assert.equal(row!.status, 'rolled_back');
    assert.match((row!.decision as { reasons: string[] }).reasons.join(';'), /^s\/a: 40\.0 % of 10 frames scored above 0\.85 against 10\.0 % for v1 \(a rise of 30\.0 %/);
    const audit = await db.selectFrom('audit_events').selectAll().execute();
    assert.equal(audit.length, 1);
  } finally {
    await close();
  }
});

test('rolls back on the kind-wide PSI once minFrames frames came, though no device has minDeviceFrames yet', async () => {
  const { db, watch, clock, rollbacks, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, scoreReferenceOf('thermal', 'v1', 'held-out', Array.from({ length: 100 }, (_, i) => i / 200), 10, 0.85));
    await watch.start();
    await watch.promoted({ kind: 'thermal', version: 'v2', sha256: '0'.repeat(64), size: 1, previousVersion: 'v1', ts: clock.now() });
    // 20 devices, one frame each, every score above anything the previous model gave.
    for (let i = 0; i < settings.minFrames - 1; i++) await watch.observe(score(`d${i}`, 0.99));
    assert.deepEqual(rollbacks, [], 'not before minFrames');
    await watch.observe(score('d19', 0.99));
    assert.deepEqual(rollbacks, ['v2']);
    const [row] = await rows();
    const decision = row!.decision as { reasons: string[]; frames: number; devices: Record<string, unknown> };
    assert.equal(row!.status, 'rolled_back');
    assert.equal(decision.frames, settings.minFrames);
    assert.deepEqual(decision.devices, {}, 'no device had enough frames to be judged on its own');
    assert.match(decision.reasons.join(';'), /^score distribution PSI \d+\.\d{3} against v1's reference over 20 frames \(more than 2\)$/);
  } finally {
    await close();
  }
});

const uniformReference = () => scoreReferenceOf('thermal', 'v1', 'held-out', Array.from({ length: 100 }, (_, i) => i / 200), 10, 0.85);
const promotion = (clock: ManualClock) => ({ kind: 'thermal' as const, version: 'v2', sha256: '0'.repeat(64), size: 1, previousVersion: 'v1', ts: clock.now() });

test('counts frames in one statement per batch of judgeEveryFrames and reads the totals once per batch, not per frame', async () => {
  const { db, clock, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, uniformReference());
    let statements = 0;
    const counting: KyselyPlugin = { transformQuery: (args) => (statements++, args.node), transformResult: async (args) => args.result };
    const watch = new RolloutWatch({ db: db.withPlugin(counting), bus: new InProcessBus(), registry: { production: async () => ({ version: 'v2' }) as never, rollback: async () => assert.fail('no rollback expected') }, clock, logger }, settings);
    await watch.start();
    await watch.promoted(promotion(clock));
    statements = 0;
    // 100 frames like the reference, past minFrames (20): 10 batches of 10.
    for (let i = 0; i < 100; i++) await watch.observe(score(`d${i % 4}`, ((i * 37) % 100) / 200));
    await watch.stop();
    const [row] = await rows();
    assert.equal(row!.frames, 100);
    // Per batch: the count (1 statement) and, from minFrames on, the tally (2); per frame it was 3–5.
    assert.ok(statements <= 10 * 3, `${statements} statements for 100 frames`);
  } finally {
    await close();
  }
});

test('frames fewer than judgeEveryFrames are counted once the oldest waited judgeEveryMs, and the rest when the watch stops', async () => {
  const { db, watch, clock, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, uniformReference());
    await watch.start();
    await watch.promoted(promotion(clock));
    for (let i = 0; i < 3; i++) await watch.observe(score('a', 0.1));
    assert.equal((await rows())[0]!.frames, 0, 'waiting for a batch');
    clock.advance(settings.judgeEveryMs);
    await watch.observe(score('a', 0.1));
    assert.equal((await rows())[0]!.frames, 4);
    for (let i = 0; i < 2; i++) await watch.observe(score('a', 0.1));
    await watch.stop();
    assert.equal((await rows())[0]!.frames, 6, 'a graceful stop loses nothing');
  } finally {
    await close();
  }
});

test('a frame delivered twice (to the same replica, within a batch or later, or to another replica) counts once', async () => {
  const { db, watch, replica, clock, score, rows, close } = await setUp();
  try {
    await scoreReferenceRepository.save(db, uniformReference());
    const other = replica();
    await watch.start();
    await other.start();
    await watch.promoted(promotion(clock));
    const frames = Array.from({ length: 10 }, (_, i) => score(i % 2 ? 'a' : 'b', 0.1));
    await watch.observe(frames[0]!);
    for (const f of frames) await watch.observe(f);
    for (const f of frames) await watch.observe(f);
    for (const f of frames) await other.observe(f);
    await watch.stop();
    await other.stop();
    const [row] = await rows();
    assert.equal(row!.frames, 10);
    const devices = await db.selectFrom('model_rollout_devices').select(['device_id', 'frames']).orderBy('device_id').execute();
    assert.deepEqual(devices, [{ device_id: 's/a', frames: 5 }, { device_id: 's/b', frames: 5 }]);
    const bins = await db.selectFrom('model_rollout_bins').select(({ fn }) => fn.sum<number>('count').as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(bins.n), 10);
  } finally {
    await close();
  }
});

for (const when of ['before', 'after'] as const) {
  test(`a rollback whose replica hung ${when} the registry's rollback is finished by another replica once the claim's lease ran out, with one registry rollback`, async () => {
    const { db, bus, replica, switchToV1, clock, rollbacks, score, rows, close } = await setUp();
    try {
      await scoreReferenceRepository.save(db, uniformReference());
      const hung = replica(() => (when === 'after' && switchToV1(), new Promise<never>(() => {})));
      const other = replica();
      const events: ModelHealthEvent[] = [];
      const sub = await collectModelHealth(bus, 's', 'thermal', events);
      await hung.start();
      await other.start();
      await hung.promoted(promotion(clock));
      for (let i = 0; i < settings.minFrames - 1; i++) await hung.observe(score(`d${i}`, 0.99));
      void hung.observe(score('d19', 0.99)); // claims, then hangs in the registry
      for (let i = 0; i < 100 && (await rows())[0]!.rollback_claimed_at === null; i++) await new Promise((r) => setTimeout(r, 20));
      assert.notEqual((await rows())[0]!.rollback_claimed_at, null, 'claimed');
      await hung.stop(); // its timers: the process is gone
      await new Promise((r) => setTimeout(r, 5_200)); // the other replica looks every 5 s: the claim is fresh
      assert.equal((await rows())[0]!.status, 'watching');
      clock.advance(settings.claimLeaseMs);
      await new Promise((r) => setTimeout(r, 5_200));
      const [row] = await rows();
      assert.equal(row!.status, 'rolled_back');
      assert.deepEqual(rollbacks, ['v2'], 'the registry rolled back once');
      assert.equal((row!.decision as { restoredVersion: string }).restoredVersion, 'v1');
      assert.match((row!.decision as { reasons: string[] }).reasons.join(';'), /^score distribution PSI/);
      assert.equal((await db.selectFrom('audit_events').selectAll().execute()).length, 1);
      await waitFor('the rollback event', () => (events.length > 0 ? true : undefined));
      assert.deepEqual(events.map((e) => e.event), ['rollback'], 'the rollback event published once');
      await sub.stop();
    } finally {
      await close();
    }
  });
}
