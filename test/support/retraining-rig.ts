// A retraining service in the test's process for run tests: PGlite, an in-process bus, a file
// registry, the sample and run routes on a port of their own, the runner started. Uploads and
// runs go through its HTTP API as an operator's would.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { HttpServer, createRegistry } from '@premonitor/http';
import type { Logger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { DEFAULT_SAMPLE_LIMITS, RetrainingRunner, SampleIntake, createRunRouter, createSampleRouter, type RunRecord } from '@premonitor/retraining';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { systemClock } from '@premonitor/time';
import { waitFor } from './wait.js';
import { pgliteTemplate } from './pglite-template.js';

export interface RetrainingRig {
  readonly db: DatabaseHandle;
  readonly bus: InProcessBus;
  readonly registry: ModelRegistry;
  readonly url: string;
  /** Uploads labelled samples (`kind`, `label`, … as form fields); asserts 201. */
  upload(fields: Record<string, string>, files: readonly { name: string; bytes: Uint8Array }[]): Promise<void>;
  startRun(body: unknown): Promise<{ status: number; body: RunRecord & { error?: string; message?: string; devices?: string[] } }>;
  /** The run once it is no longer running. */
  ended(id: number, timeoutMs: number): Promise<RunRecord>;
  stop(): Promise<void>;
}

/**
 * Opens the rig in `dir` (database, models, samples). No thermal or acoustic model is
 * production; the gate (any AUC, any loss against a champion) lets every candidate through, so
 * a test sees what a run produced rather than the gate's judgement.
 */
export async function openRetrainingRig(dir: string, options: { readonly name: string; readonly logger: Logger; readonly heldOutFraction: number }): Promise<RetrainingRig> {
  const { logger } = options;
  const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
  await migrate(db, { schema: PLATFORM_SCHEMA });
  const bus = new InProcessBus();
  await bus.start();
  const registry = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(join(dir, 'models')), logger });
  const intake = new SampleIntake({ db: db.db, store: new FileArtifactStore(join(dir, 'samples')), limits: DEFAULT_SAMPLE_LIMITS, clock: systemClock, logger });
  const runner = new RetrainingRunner({ db: db.db, registry, sampleStoreDir: join(dir, 'samples'), logger, clock: systemClock, owner: 'test:1', leaseMs: 5_000, renewMs: 500, heldOutFraction: options.heldOutFraction, minSamples: 20, scoreReference: { bins: 10, alertScore: 0.85 }, gate: () => ({ main: 'auc', guarded: ['auc'], floor: { auc: 0 }, tolerance: 1, minGain: 0 }) });
  runner.start();
  const routers = [createSampleRouter(intake, db.db, { maxFileBytes: 1 << 20, maxFiles: 1_000, maxRequestBytes: 64 << 20 }), createRunRouter(runner, db.db, new FileArtifactStore(join(dir, 'samples')))];
  const http = new HttpServer({ logger, registry: createRegistry(options.name, false), readiness: [], routers: routers.map((router) => ({ path: '/api/v1', router })), portSetting: 'HTTP_PORT' });
  const url = `http://127.0.0.1:${await http.start(0)}`;
  const run = async (id: number) => (await (await fetch(`${url}/api/v1/retraining/runs/${id}`)).json()) as RunRecord;
  return {
    db,
    bus,
    registry,
    url,
    async upload(fields, files) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
      const res = await fetch(`${url}/api/v1/samples`, { method: 'POST', body: form });
      assert.equal(res.status, 201, await res.text());
    },
    async startRun(body) {
      const res = await fetch(`${url}/api/v1/retraining/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as RunRecord & { error?: string; message?: string; devices?: string[] } };
    },
    async ended(id, timeoutMs) {
      let last: RunRecord | undefined;
      await waitFor(`run ${id} to end`, async () => (last = await run(id)).status !== 'running', timeoutMs, 500);
      return last!;
    },
    async stop() {
      await runner.stop();
      await http.stop();
      await bus.stop();
      await db.close();
    },
  };
}
