// The model registry against both databases: PGlite (embedded mode) and a real PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busSubjects, type ModelPromotedEvent } from '@premonitor/contracts';
import { InProcessBus, decodeEvent } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { writeFile } from 'node:fs/promises';
import { OnnxGraphBuilder, encodeModelMetadata } from '@premonitor/ml';
import {
  ArtifactIntegrityError,
  FileArtifactStore,
  InvalidModelError,
  ModelCheckFailedError,
  ModelNotFoundError,
  ModelRegistry,
  ModelVersionExistsError,
  NothingToRollBackError,
  sha256Hex,
} from '@premonitor/registry';
import { buildAcousticReferenceModel, buildThermalReferenceModel } from '@premonitor/inference';
import { thermalModelWithWrongOutput } from './support/broken-models.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'registry-test', level: 'silent' });

/**
 * A model of `kind` that passes the model check: the reference models for acoustic and thermal
 * (`extra` shifts their centre so each version's bytes differ), a tiny graph for forecast (no check).
 */
function modelBytes(kind: string, version: string, extra = 0): Uint8Array {
  if (kind === 'thermal') return buildThermalReferenceModel({ version, centerCelsius: 60 + extra });
  if (kind === 'acoustic') return buildAcousticReferenceModel({ version, centerDb: -40 + extra });
  const g = new OnnxGraphBuilder();
  const x = g.addInput('frame', ['batch', 2, 2]);
  g.addOutput(g.op('Add', [x, g.addInitializer('bias', new Float32Array([extra]), [])]), ['batch', 2, 2]);
  return g.toModelBytes({
    metadata: encodeModelMetadata({ kind, version, inputs: [{ name: 'frame', type: 'float32', shape: ['batch', 2, 2] }], frameShape: [2, 2], metrics: { auc: 0.9 } }),
  });
}

interface Target {
  readonly name: string;
  readonly skip: string | false;
  open(): Promise<{ handle: DatabaseHandle; cleanup(): Promise<void> }>;
}

const pgService = await needService('postgres');
const targets: Target[] = [
  {
    name: 'PGlite',
    skip: false,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'pm-registry-pg-'));
      const handle = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: dir });
      return { handle, cleanup: async () => (await handle.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgService.skip,
    async open() {
      const throwaway = await createThrowawayDatabase(pgService.url!, 'pm_registry');
      const handle = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 4 });
      return { handle, cleanup: async () => (await handle.close(), await throwaway.drop()) };
    },
  },
];

for (const target of targets) {
  describe(`model registry on ${target.name}`, { skip: target.skip }, () => {
    let db: Awaited<ReturnType<Target['open']>>;
    let storeDir: string;
    let bus: InProcessBus;
    let registry: ModelRegistry;
    const events: ModelPromotedEvent[] = [];
    let now = Date.parse('2025-01-01T00:00:00Z');

    before(async () => {
      db = await target.open();
      await migrate(db.handle, { schema: PLATFORM_SCHEMA });
      storeDir = await mkdtemp(join(tmpdir(), 'pm-registry-store-'));
      bus = new InProcessBus();
      await bus.start();
      await bus.consume({ stream: busSubjects.modelPromoted.stream, durable: 'registry-test', filterSubject: busSubjects.modelPromoted.wildcard }, (m) => {
        const decoded = decodeEvent('modelPromoted', m);
        if (decoded.ok) events.push(decoded.value);
        m.ack();
      });
      registry = new ModelRegistry({ db: db.handle.db, bus, store: new FileArtifactStore(storeDir), logger, clock: { now: () => (now += 1_000) } });
    });

    after(async () => {
      await bus.stop();
      await db.cleanup();
      await rm(storeDir, { recursive: true, force: true });
    });

    it('makes the first model of a kind production, announces it, and serves its verified bytes', async () => {
      const bytes = modelBytes('thermal', 't1');
      const record = await registry.register({ kind: 'thermal', bytes, metrics: { auc: 0.95 }, metadata: { run: 7 } });
      assert.deepEqual([record.stage, record.version, record.scope, record.sha256, record.size], ['production', 't1', '', sha256Hex(bytes), bytes.length]);
      assert.equal(record.metrics['auc'], 0.95, 'given metrics win over the file metrics');
      assert.deepEqual(record.metadata['frameShape'], [24, 32]);
      assert.equal(record.check?.status, 'passed', 'the model check ran and passed');
      assert.equal(record.metadata['run'], 7);
      assert.ok(record.promotedAt instanceof Date);
      const loaded = await registry.loadProduction('thermal');
      assert.deepEqual(loaded?.bytes, Uint8Array.from(bytes));
      await waitFor('promotion event', () => events.find((e) => e.version === 't1'));
      assert.equal(events.find((e) => e.version === 't1')?.previousVersion, null);
    });

    it('registers later models as candidates until promoted; promotion archives the previous one', async () => {
      const t2 = await registry.register({ kind: 'thermal', bytes: modelBytes('thermal', 't2', 1) });
      assert.equal(t2.stage, 'candidate');
      assert.equal((await registry.production('thermal'))?.version, 't1');
      const promoted = await registry.promote('thermal', 't2');
      assert.equal(promoted.stage, 'production');
      assert.deepEqual((await registry.list({ kind: 'thermal' })).map((m) => [m.version, m.stage]), [['t2', 'production'], ['t1', 'archived']]);
      const event = await waitFor('t2 event', () => events.find((e) => e.version === 't2'));
      assert.deepEqual([event.kind, event.sha256, event.size, event.previousVersion], ['thermal', t2.sha256, t2.size, 't1']);
    });

    it('rolls back to the previous production model, walking back through history', async () => {
      await registry.register({ kind: 'thermal', bytes: modelBytes('thermal', 't3', 2) });
      await registry.promote('thermal', 't3');
      assert.equal((await registry.rollback('thermal', '', { from: 't3' })).version, 't2');
      assert.equal((await registry.production('thermal'))?.version, 't2');
      // A retried rollback from t3 (made already) changes nothing.
      await assert.rejects(registry.rollback('thermal', '', { from: 't3' }), /the production thermal model is 't2', not 't3': not rolled back/);
      assert.equal((await registry.production('thermal'))?.version, 't2');
      assert.equal((await registry.rollback('thermal')).version, 't1');
      await assert.rejects(registry.rollback('thermal'), NothingToRollBackError);
      await waitFor('rollback event', () => events.find((e) => e.version === 't1' && e.previousVersion === 't2'));
      assert.deepEqual((await registry.list({ stage: 'production' })).map((m) => m.version), ['t1']);
    });

    it('keeps kinds and scopes apart: each (kind, scope) has its own production model', async () => {
      const a = await registry.register({ kind: 'acoustic', bytes: modelBytes('acoustic', 'a1') });
      const scoped = await registry.register({ kind: 'thermal', scope: 'site-1/press-3', bytes: modelBytes('thermal', 't-scoped', 3) });
      assert.deepEqual([a.stage, scoped.stage], ['production', 'production']);
      assert.equal((await registry.production('thermal'))?.version, 't1');
      assert.equal((await registry.production('thermal', 'site-1/press-3'))?.version, 't-scoped');
      assert.equal(await registry.production('forecast'), undefined);
      assert.equal(await registry.loadProduction('forecast'), undefined);
    });

    it('refuses bytes that are not a model of the declared kind, reused versions and unknown versions', async () => {
      await assert.rejects(registry.register({ kind: 'thermal', bytes: new TextEncoder().encode('not onnx at all') }), InvalidModelError);
      await assert.rejects(registry.register({ kind: 'acoustic', bytes: modelBytes('thermal', 'x1') }), /declares kind 'thermal'/);
      await assert.rejects(registry.register({ kind: 'thermal', version: 'other', bytes: modelBytes('thermal', 'x2') }), InvalidModelError);
      await assert.rejects(registry.register({ kind: 'thermal', bytes: modelBytes('thermal', 't1', 9) }), ModelVersionExistsError);
      await assert.rejects(registry.promote('thermal', 'nope'), ModelNotFoundError);
    });

    it('refuses a model that fails the check for production, keeping it a candidate with the reason', async () => {
      const bad = await registry.register({ kind: 'thermal', bytes: thermalModelWithWrongOutput('t-wrong') });
      assert.equal(bad.stage, 'candidate');
      assert.equal(bad.check?.status, 'failed');
      assert.match(bad.check?.reason ?? '', /output 'score' is missing/);
      await assert.rejects(registry.promote('thermal', 't-wrong'), (err: unknown) => err instanceof ModelCheckFailedError && /t-wrong.*output 'score' is missing/.test(err.message));
      assert.equal((await registry.production('thermal'))?.version, 't1', 'production is unchanged');
      // Meant for production at registration: the first model of a scope, or promote: true.
      await assert.rejects(registry.register({ kind: 'thermal', scope: 'site-9/oven', bytes: thermalModelWithWrongOutput('t-wrong-first') }), ModelCheckFailedError);
      assert.equal(await registry.production('thermal', 'site-9/oven'), undefined);
      await assert.rejects(registry.register({ kind: 'thermal', bytes: thermalModelWithWrongOutput('t-wrong-promote'), promote: true }), ModelCheckFailedError);
      const kept = (await registry.list({ kind: 'thermal' })).filter((m) => m.version.startsWith('t-wrong'));
      assert.deepEqual(kept.map((m) => [m.version, m.stage, m.check?.status]).sort(), [['t-wrong', 'candidate', 'failed'], ['t-wrong-first', 'candidate', 'failed'], ['t-wrong-promote', 'candidate', 'failed']]);
    });

    it('refuses to promote a model whose artifact is corrupt, and lists the last good versions best first', async () => {
      const good = await registry.register({ kind: 'thermal', bytes: modelBytes('thermal', 't-good', 5) });
      const corrupt = await registry.register({ kind: 'thermal', bytes: modelBytes('thermal', 't-corrupt', 6) });
      await writeFile(join(storeDir, corrupt.sha256.slice(0, 2), `${corrupt.sha256}.onnx`), new Uint8Array([1, 2, 3]));
      await assert.rejects(registry.promote('thermal', 't-corrupt'), ArtifactIntegrityError);
      // t1 is production again after the rollbacks; t3 (promoted last) and t2 were production before it.
      // Then the candidates that passed their check, newest first; the t-wrong ones failed it, so never.
      const lastGood = (await registry.lastGoodVersions('thermal')).map((m) => m.version);
      assert.deepEqual(lastGood, ['t3', 't2', corrupt.version, good.version]);
    });

    it('promotes by force a model that fails the check, recording the failure', async () => {
      const forced = await registry.promote('thermal', 't-wrong', '', { force: true });
      assert.equal(forced.stage, 'production');
      assert.equal(forced.check?.status, 'failed');
      assert.equal(forced.promotionForced, true, 'the row records that an admin forced it');
      const back = await registry.promote('thermal', 't1');
      assert.equal(back.promotionForced, false, 'an ordinary promotion is not recorded as forced');
      assert.equal((await registry.list({ kind: 'thermal' })).find((m) => m.version === 't-wrong')?.promotionForced, true, 'archived, it still says how it held production');
      assert.ok(!(await registry.lastGoodVersions('thermal')).some((m) => m.version === 't-wrong'), 'once production, a failed model still is no fallback');
    });

    it('keeps a first model registered with promote: false a candidate (a gate refused it): the kind stays without production', async () => {
      const refused = await registry.register({ kind: 'forecast', scope: 'gated', bytes: modelBytes('forecast', 'f-gated', 7), promote: false });
      assert.equal(refused.stage, 'candidate');
      assert.equal(await registry.production('forecast', 'gated'), undefined);
      assert.ok(!events.some((e) => e.version === 'f-gated'), 'nothing announced');
    });

    it('lets only one of two racing first registrations become production', async () => {
      const [x, y] = await Promise.all([
        registry.register({ kind: 'forecast', bytes: modelBytes('forecast', 'f1') }),
        registry.register({ kind: 'forecast', bytes: modelBytes('forecast', 'f2', 1) }),
      ]);
      assert.deepEqual([x.stage, y.stage].sort(), ['candidate', 'production']);
    });
  });
}
