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
import { OnnxGraphBuilder, encodeModelMetadata } from '@premonitor/ml';
import {
  FileArtifactStore,
  InvalidModelError,
  ModelNotFoundError,
  ModelRegistry,
  ModelVersionExistsError,
  NothingToRollBackError,
  sha256Hex,
} from '@premonitor/registry';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'registry-test', level: 'silent' });

/** A tiny ONNX file with Premonitor metadata. */
function modelBytes(kind: string, version: string, extra = 0): Uint8Array {
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
      const handle = await openDatabase({ kind: 'pglite', dataDir: dir });
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
      await migrate(db.handle);
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
      assert.deepEqual(record.metadata['frameShape'], [2, 2]);
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
      assert.equal((await registry.rollback('thermal')).version, 't2');
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

    it('lets only one of two racing first registrations become production', async () => {
      const [x, y] = await Promise.all([
        registry.register({ kind: 'forecast', bytes: modelBytes('forecast', 'f1') }),
        registry.register({ kind: 'forecast', bytes: modelBytes('forecast', 'f2', 1) }),
      ]);
      assert.deepEqual([x.stage, y.stage].sort(), ['candidate', 'production']);
    });
  });
}
