// The rollout watch's decisions with a manual clock (PGlite, in-process bus): a promotion that
// behaves like its predecessor passes at the end of its watch; one device whose share of frames
// over the alert score rises beyond the limit rolls it back, frames of other versions aside; a
// kind-wide score PSI beyond its limit rolls back from minFrames on, before any device has
// minDeviceFrames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreEvent } from '@premonitor/contracts';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { RolloutWatch, scoreReferenceOf, scoreReferenceRepository } from '@premonitor/retraining';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'rollout-spec', level: 'silent' });
const settings = { watchMs: 60_000, minFrames: 20, minDeviceFrames: 10, maxOverRateRise: 0.2, maxPsi: 2, alertScore: 0.85 };

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
  const watch = new RolloutWatch({ db: db.db, bus, registry, clock, logger }, settings);
  const score = (device: string, value: number, version = 'v2'): ScoreEvent => ({ site: 's', device, kind: 'thermal', ts: clock.now(), seq: 1, score: value, modelVersion: version, latencyMs: 1 });
  const rows = () => db.db.selectFrom('model_rollouts').selectAll().orderBy('id').execute();
  const close = async () => (watch.stop(), await bus.stop(), await db.close(), await rm(dir, { recursive: true, force: true }));
  return { db: db.db, watch, clock, rollbacks, score, rows, close };
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
