// Retraining runs (issue 14) on real PostgreSQL: labelled real infrared images
// (../shared/data/thermal-ir) are uploaded, a run trains in a child process (every thread at
// nice 19) under its kind's
// lease, streams progress, and the champion/challenger gate promotes the candidate; a candidate
// trained on shuffled labels is refused and production stays; a second run of the same kind is
// answered 409 with the running run's id; a cancelled run stops; a run whose process died
// (lease expired) is failed and frees the kind. Skipped with a message without PostgreSQL or the data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { DEFAULT_SAMPLE_LIMITS, RetrainingRunner, SampleIntake, createRunRouter, createSampleRouter, type RunRecord } from '@premonitor/retraining';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { systemClock } from '@premonitor/time';
import { createModelAdminApi, createModelsApi } from '@premonitor/model-sync';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'retraining-runs-test', level: 'silent' });
const shared = process.env.PM_SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
const thermalIr = join(shared, 'thermal-ir');
const pg = await needService('postgres');
const skip = pg.skip || (existsSync(join(thermalIr, 'module_metadata.json')) ? false : `no real thermal images under ${thermalIr}`);
const PER_CLASS = { 'No-Anomaly': 500, 'Hot-Spot': 150, 'Hot-Spot-Multi': 150, 'Offline-Module': 150, Cell: 150 } as const;

describe('retraining runs on real infrared images (PostgreSQL)', { skip }, () => {
  let dir: string;
  let throwaway: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: DatabaseHandle;
  let bus: InProcessBus;
  let registry: ModelRegistry;
  let runner: RetrainingRunner;
  let http: HttpServer;
  let url: string;
  // The registry's routes on a server of their own, as in a distributed deployment (model-sync owns /api/v1/models).
  let modelsHttp: HttpServer;
  let modelsUrl: string;

  const json = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${path.startsWith('/api/v1/models') ? modelsUrl : url}${path}`, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const startRun = (body: Record<string, unknown>) => json<RunRecord & { runningRunId?: number; message?: string }>('/api/v1/retraining/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ended = async (id: number) => {
    let run: RunRecord | undefined;
    await waitFor(`run ${id} to end`, async () => (run = (await json<RunRecord>(`/api/v1/retraining/runs/${id}`)).body).status !== 'running', 240_000, 500);
    return run!;
  };
  const production = async () => (await registry.production('thermal'))?.version;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-retrain-runs-'));
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_retrain_runs');
    db = await openDatabase({ kind: 'postgres', url: throwaway.url });
    await migrate(db, { schema: PLATFORM_SCHEMA });
    bus = new InProcessBus();
    await bus.start();
    registry = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(join(dir, 'models')), logger });
    // The champion: the shipped °C scene model, production for thermal as in a fresh platform.
    await registry.register({ kind: 'thermal', bytes: new Uint8Array(await readFile(join(process.cwd(), 'models', 'thermal.onnx'))) });
    const intake = new SampleIntake({ db: db.db, store: new FileArtifactStore(join(dir, 'samples')), limits: DEFAULT_SAMPLE_LIMITS, clock: systemClock, logger });
    runner = new RetrainingRunner({ db: db.db, registry, sampleStoreDir: join(dir, 'samples'), logger, clock: systemClock, owner: 'test:1', leaseMs: 5_000, renewMs: 500, heldOutFraction: 0.3, minSamples: 20, scoreReference: { bins: 10, alertScore: 0.85 }, gate: () => ({ main: 'auc', guarded: ['auc', 'recall_at_fpr5'], floor: { auc: 0.65 }, tolerance: 0.02, minGain: 0.005 }) });
    runner.start();
    const routers = [createSampleRouter(intake, db.db, { maxFileBytes: 1 << 20, maxFiles: 1_000, maxRequestBytes: 64 << 20 }), createRunRouter(runner, db.db, new FileArtifactStore(join(dir, 'samples')))];
    http = new HttpServer({ logger, registry: createRegistry('retrain-runs', false), readiness: [], routers: routers.map((router) => ({ path: '/api/v1', router })), portSetting: 'HTTP_PORT' });
    url = `http://127.0.0.1:${await http.start(0)}`;
    const modelRouters = [createModelAdminApi(registry, logger), createModelsApi(registry)];
    modelsHttp = new HttpServer({ logger, registry: createRegistry('retrain-models', false), readiness: [], routers: modelRouters.map((router) => ({ path: '/api/v1', router })), portSetting: 'HTTP_PORT' });
    modelsUrl = `http://127.0.0.1:${await modelsHttp.start(0)}`;

    const meta = JSON.parse(await readFile(join(thermalIr, 'module_metadata.json'), 'utf8')) as Record<string, { image_filepath: string; anomaly_class: string }>;
    for (const [cls, n] of Object.entries(PER_CLASS)) {
      const form = new FormData();
      form.append('kind', 'thermal');
      form.append('label', cls === 'No-Anomaly' ? 'normal' : 'anomalous');
      if (cls !== 'No-Anomaly') form.append('faultClass', cls);
      for (const m of Object.values(meta).filter((x) => x.anomaly_class === cls).slice(0, n)) form.append('file', new Blob([await readFile(join(thermalIr, m.image_filepath))]), m.image_filepath);
      const res = await fetch(`${url}/api/v1/samples`, { method: 'POST', body: form });
      assert.equal(res.status, 201, await res.text());
    }
  });

  after(async () => {
    await runner?.stop();
    await http?.stop();
    await modelsHttp?.stop();
    await bus?.stop();
    await db?.close();
    await throwaway?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a candidate in a niced child process, streams its progress, and the gate promotes it; a second run of the kind meanwhile gets 409', async (t) => {
    const before = await production();
    const { status, body: run } = await startRun({ kind: 'thermal', reason: 'labelled infrared images', epochs: 25 });
    assert.equal(status, 202, JSON.stringify(run));
    const events = fetch(`${url}/api/v1/retraining/runs/${run.id}/events`).then((r) => r.text());
    // Every thread of the training process ends up at the lowest priority, its GC threads
    // included, and it is the out-of-memory killer's first choice (set once it has read its job).
    let training: { nices: number[]; oomScoreAdj: number } | undefined;
    const settled = () => (training = trainingProcess()) !== undefined && training.nices.length > 1 && training.nices.every((n) => n === 19) && training.oomScoreAdj === 1000;
    await waitFor('the training process niced and first for the OOM killer', settled, 30_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${JSON.stringify(training)}`);
    });
    const second = await startRun({ kind: 'thermal', reason: 'again' });
    assert.deepEqual([second.status, second.body.runningRunId], [409, run.id]);
    const done = await ended(run.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const result = done.result as { promoted: boolean; candidate: string; training_rss_max_mib: number; gate: { reasons: string[]; candidate: { auc: number } }; evaluation: { heldOut: { samples: number } } };
    assert.ok(result.training_rss_max_mib > 0, 'the training process reports its peak memory');
    t.diagnostic(`held-out ${result.evaluation.heldOut.samples} samples, candidate AUC ${result.gate.candidate.auc}; ${result.gate.reasons.join('; ')}`);
    assert.equal(result.promoted, true, result.gate.reasons.join('; '));
    assert.ok(result.gate.reasons.some((r) => /cannot score the held-out samples/.test(r)), 'the °C champion cannot score intensity images, and the result says so');
    assert.notEqual(await production(), before);
    assert.equal(await production(), result.candidate);
    const stream = await events;
    assert.match(stream, /event: progress\ndata: \{"type":"progress","progress":\{"epoch":1/);
    assert.match(stream, /event: end/);
    const models = await json<{ items: { version: string; stage: string; lineage: { parent: string } | null }[] }>('/api/v1/models?kind=thermal');
    const candidate = models.body.items.find((m) => m.version === result.candidate)!;
    assert.deepEqual([candidate.stage, candidate.lineage?.parent], ['production', before]);
    // Its held-out normal scores are its reference distribution (drift and rollout watches compare with it).
    const reference = await db.db.selectFrom('model_score_references').selectAll().where('kind', '=', 'thermal').where('version', '=', result.candidate).executeTakeFirst();
    assert.equal(reference?.source, 'held-out');
    assert.ok((reference?.count ?? 0) >= 10 && (reference!.shares as number[]).length === (reference!.edges as number[]).length + 1, JSON.stringify(reference));
    const history = await json<{ items: { id: number; candidate: { version: string; stage: string; promotionForced: boolean } | null }[] }>('/api/v1/retraining/history?kind=thermal');
    const entry = history.body.items.find((h) => h.id === run.id)?.candidate;
    assert.deepEqual([entry?.version, entry?.stage, entry?.promotionForced], [result.candidate, 'production', false], 'the history says where the candidate stands and that the gate, not force, promoted it');

    // The registry's actions from the CLI: roll back to the shipped model, promote the candidate again.
    // Asynchronously: the CLI talks to the server in this process.
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['services/retraining/dist/cli.js', ...args], { env: { PATH: process.env.PATH ?? '', RETRAINING_URL: url, MODELS_URL: modelsUrl }, encoding: 'utf8' }).then(
        (ok) => ({ ...ok, status: 0 }),
        (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
      );
    const rolled = await cli('rollback', 'thermal');
    assert.equal(rolled.status, 0, rolled.stdout + rolled.stderr);
    assert.equal(await production(), before);
    assert.equal((await cli('promote', 'thermal', result.candidate)).status, 0);
    assert.equal(await production(), result.candidate);
    assert.equal((await cli('promote', 'thermal', 'no-such-version')).status, 1);
  });

  it('refuses a candidate trained on shuffled labels: it stays a candidate with the reasons, production unchanged', async (t) => {
    await new Promise((r) => setTimeout(r, 1_100)); // versions are per second
    const before = await production();
    const { status, body: run } = await startRun({ kind: 'thermal', reason: 'shuffled labels (gate check)', epochs: 3, shuffleLabels: true });
    assert.equal(status, 202);
    const done = await ended(run.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const result = done.result as { promoted: boolean; candidate: string; gate: { promote: boolean; reasons: string[] } };
    t.diagnostic(result.gate.reasons.join('; '));
    assert.equal(result.gate.promote, false);
    assert.equal(result.promoted, false);
    assert.equal(await production(), before);
    const history = await json<{ items: { id: number; status: string; durationS: number }[] }>('/api/v1/retraining/history?kind=thermal');
    assert.deepEqual(history.body.items.slice(0, 2).map((h) => h.status), ['succeeded', 'succeeded']);
  });

  it('cancels a running run, and fails a run whose process died once its lease expires', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const { body: run } = await startRun({ kind: 'thermal', reason: 'to be cancelled', epochs: 50 });
    const cancelled = await json<RunRecord>(`/api/v1/retraining/runs/${run.id}/cancel`, { method: 'POST' });
    assert.equal(cancelled.body.status, 'cancelled');
    // A run left by a dead process: its lease ran out and nobody renews it.
    const dead = await db.db.insertInto('retraining_runs').values({ kind: 'thermal', reason: 'dead replica', lease_owner: 'gone:99', lease_expires_at: new Date(Date.now() + 1_000), params: '{}' }).returning('id').executeTakeFirstOrThrow();
    const blocked = await startRun({ kind: 'thermal', reason: 'while the dead run holds the lease' });
    assert.deepEqual([blocked.status, blocked.body.runningRunId], [409, Number(dead.id)]);
    await waitFor('the dead run to be failed', async () => (await json<RunRecord>(`/api/v1/retraining/runs/${dead.id}`)).body.status === 'failed', 10_000, 200);
    const failed = (await json<RunRecord>(`/api/v1/retraining/runs/${dead.id}`)).body;
    assert.match(failed.error!, /stopped renewing its lease/);
    const next = await startRun({ kind: 'thermal', reason: 'after the dead run', epochs: 50 });
    assert.equal(next.status, 202);
    assert.equal((await json<RunRecord>(`/api/v1/retraining/runs/${next.body.id}/cancel`, { method: 'POST' })).body.status, 'cancelled');
  });
});

/** Nice values of the threads of this process's training child (train-worker.js) and its OOM score adjustment, once it has started. */
function trainingProcess(): { nices: number[]; oomScoreAdj: number } | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('train-worker.js')) continue;
      // Field 19 (nice), counted after the parenthesised name.
      const nices = readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
      return { nices, oomScoreAdj: Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8')) };
    } catch {
      // A process that ended meanwhile.
    }
  }
  return undefined;
}

