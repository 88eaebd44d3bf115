// The triage API (issue 18) on real PostgreSQL: POST /api/v1/triage/train validates every
// record (each bad input of the issue refused with its reason, nothing stored), trains as a
// retraining run of kind `triage` under its lease (409 with is_training while one runs) after an
// automatic registry backup, keeps earlier records; status, backups, restore (one
// transaction: models and records back as they were; a damaged or foreign backup changes
// nothing), reload and predict for one report or many.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DatabaseHandle } from '@premonitor/db';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import type { ModelRegistry, RegistryBackups } from '@premonitor/registry';
import { TriageScorer, TriageTraining, createTriageRouter, runRepository, triageRecordRepository } from '@premonitor/retraining';
import { systemClock } from '@premonitor/time';
import { trainTriageModel } from '@premonitor/training/triage';
import { needService } from './support/real-services.js';
import { artifactPath, openRegistryRig, type RegistryRig } from './support/registry-rig.js';
import { scoredReports } from './support/triage-records.js';

const logger = createLogger({ service: 'triage-api-test', level: 'silent' });
const pg = await needService('postgres');

function records(prefix: string, equipment: readonly string[]) {
  return scoredReports(prefix, equipment, { equipmentIds: true });
}
const valid = { anomaly_id: 'x-1', description: 'pump seal leaking', availability_score: 3, fiability_score: 3, process_safety_score: 2 };

interface Status {
  is_training: boolean;
  sessions_completed: number;
  records: number;
  model_version: string | null;
  backups: { count: number; latest: { name: string } | null };
  last_training: { records_added: number; records_updated: number; records_total: number; time: string; models_retrained: string[]; backup: string; model_version: string } | null;
}

describe('triage API (PostgreSQL)', { skip: pg.skip }, () => {
  let rig: RegistryRig;
  let db: DatabaseHandle;
  let registry: ModelRegistry;
  let backups: RegistryBackups;
  let training: TriageTraining;
  let scorer: TriageScorer;
  let http: HttpServer;
  let url: string;

  const post = async <T>(path: string, body: unknown, raw = false): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as Uint8Array) : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}/api/v1${path}`)).json()) as T;
  const stored = async () => ({ records: await triageRecordRepository.count(db.db), runs: (await runRepository.list(db.db, { kind: 'triage', limit: 100 })).length, models: (await registry.list({ kind: 'triage' })).length });

  before(async () => {
    rig = await openRegistryRig(pg.url!, 'pm-triage-api', logger);
    ({ db, registry, backups } = rig);
    scorer = new TriageScorer(registry, logger);
    training = new TriageTraining({ db: db.db, registry, backups, scorer, logger, clock: systemClock, owner: 'test:1', leaseMs: 10_000, renewMs: 500 });
    const router = createTriageRouter({ db: db.db, training, scorer, backups, registry });
    http = new HttpServer({ logger, registry: createRegistry('triage-api', false), readiness: [], routers: [{ path: '/api/v1', router }], portSetting: 'HTTP_PORT' });
    url = `http://127.0.0.1:${await http.start(0)}`;
  });

  after(async () => {
    await training?.stop();
    await scorer?.close();
    await http?.stop();
    await rig?.close();
  });

  it('refuses every bad input of the issue with its reason and stores nothing', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['score out of range', { records: [{ ...valid, availability_score: 6 }] }, /^Record 1: availability_score must be between 1 and 5, got 6$/],
      ['score not an integer', { records: [valid, { ...valid, anomaly_id: 'x-2', fiability_score: 2.5 }] }, /^Record 2: fiability_score must be an integer, got 2.5$/],
      ['empty description', { records: [{ ...valid, description: '   ' }] }, /^Record 1: description must not be empty$/],
      ['100 kB description', { records: [{ ...valid, description: 'a'.repeat(100_000) }] }, /^Record 1: description must be at most 2000 characters, got 100000$/],
      ['duplicate id, other scores', { records: [valid, { ...valid, process_safety_score: 5 }] }, /^Record 2: anomaly_id 'x-1' repeats record 1 with different scores$/],
    ];
    for (const [what, body, reason] of cases) {
      const res = await post<{ error: string; errors: string[]; records: { index: number }[] }>('/triage/train', body);
      assert.equal(res.status, 400, what);
      assert.equal(res.body.error, 'invalid_records', what);
      assert.ok(res.body.errors.some((e) => reason.test(e)), `${what}: ${JSON.stringify(res.body.errors)}`);
    }
    const tooMany = await post<{ message: string }>('/triage/train', { records: Array.from({ length: 1001 }, (_, i) => ({ ...valid, anomaly_id: `m-${i}` })) });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.message, 'at most 1000 records per call, got 1001');
    const notUtf8 = await post<{ message: string }>('/triage/train', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), true);
    assert.equal(notUtf8.status, 400);
    assert.equal(notUtf8.body.message, 'the body is not valid UTF-8');
    assert.deepEqual(await stored(), { records: 0, runs: 0, models: 0 });
    assert.equal((await post<{ error: string }>('/triage/predict', { description: 'pump seal leaking' })).body.error, 'no_model');
  });

  it('trains under the triage lease after an automatic backup (409 with is_training meanwhile) and reports it in the status', async () => {
    const first = records('a', ['feed pump', 'compressor', 'cooling fan', 'mixer', 'conveyor', 'boiler']);
    const started = await post<{ run_id: number; backup: string; records_added: number }>('/triage/train', { records: first });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.records_added, 30);
    const second = await post<{ is_training: boolean; run_id: number }>('/triage/train', { records: [valid] });
    assert.equal(second.status, 409);
    assert.deepEqual(second.body, { ...second.body, is_training: true, run_id: started.body.run_id });
    assert.equal((await get<Status>('/triage/train/status')).is_training, true);
    await training.settled();
    const status = await get<Status>('/triage/train/status');
    assert.equal(status.is_training, false);
    assert.equal(status.sessions_completed, 1);
    assert.equal(status.records, 30);
    assert.deepEqual(status.last_training && { ...status.last_training, time: 'set', model_version: 'set' }, { ...status.last_training, records_added: 30, records_updated: 0, records_total: 30, models_retrained: ['availability', 'fiability', 'process_safety'], backup: started.body.backup, time: 'set', model_version: 'set' });
    assert.equal(status.model_version, status.last_training!.model_version);
    assert.equal(status.backups.latest?.name, started.body.backup);
    // The valid record of the refused call was not stored.
    assert.equal(await triageRecordRepository.count(db.db), 30);
  });

  it('scores one report or many with the production model, and refuses bad reports by index', async () => {
    const one = await post<{ predictions: { process_safety: { score: number; confidence: number } }[]; model_version: string }>('/triage/predict', { description: 'hydrogen leak at reactor flange', equipment_name: 'reactor' });
    assert.equal(one.status, 200);
    assert.equal(one.body.predictions.length, 1);
    assert.equal(one.body.predictions[0]!.process_safety.score, 5);
    assert.ok(one.body.predictions[0]!.process_safety.confidence > 0 && one.body.predictions[0]!.process_safety.confidence <= 1);
    const many = await post<{ predictions: { availability: { score: number }; process_safety: { score: number } }[] }>('/triage/predict', { reports: [{ description: 'paint peeling on guard of press' }, { description: 'mixer tripped, line stopped' }] });
    assert.deepEqual(many.body.predictions.map((p) => p.process_safety.score), [1, 2]);
    assert.equal(many.body.predictions[1]!.availability.score, 5);
    const bad = await post<{ errors: string[] }>('/triage/predict', { reports: [{ description: 'fine' }, { description: '' }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['Report 2: description must not be empty']);
    assert.equal((await post('/triage/predict', { reports: Array.from({ length: 1001 }, () => ({ description: 'x' })) })).status, 400);
  });

  it('keeps earlier records when training again, and restores models and records of a backup in one transaction', async () => {
    const before = await get<Status>('/triage/train/status');
    const extra = [...records('b', ['crusher']), { ...records('a', ['feed pump'])[0]!, process_safety_score: 2 }];
    const started = await post<{ backup: string; records_added: number; records_updated: number; records_total: number }>('/triage/train', { records: extra });
    assert.equal(started.status, 202);
    assert.deepEqual([started.body.records_added, started.body.records_updated, started.body.records_total], [5, 1, 35]);
    await training.settled();
    const after = await get<Status>('/triage/train/status');
    assert.equal(after.sessions_completed, 2);
    assert.equal(after.records, 35);
    assert.notEqual(after.model_version, before.model_version);
    const listed = await get<{ items: { name: string }[] }>('/triage/train/backups');
    assert.deepEqual(listed.items.map((b) => b.name).slice(0, 2), [started.body.backup, before.last_training!.backup]);

    // A backup of the whole registry is not a triage backup; a damaged one is refused: nothing changes.
    const whole = await backups.create({ reason: 'whole registry' });
    const foreign = await post<{ error: string }>(`/triage/train/restore/${whole.name}`, {});
    assert.equal(foreign.status, 422);
    assert.equal(foreign.body.error, 'not_a_triage_backup');
    const damaged = (await backups.list()).find((b) => b.name === before.last_training!.backup)!;
    const path = artifactPath(rig.storeDir, damaged.sha256);
    const original = await readFile(path);
    await writeFile(path, original.subarray(0, 100));
    const refused = await post<{ error: string }>(`/triage/train/restore/${damaged.name}`, {});
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error, 'backup_corrupt');
    await writeFile(path, original);
    assert.equal((await get<Status>('/triage/train/status')).model_version, after.model_version);
    assert.equal(await triageRecordRepository.count(db.db), 35);

    // The backup taken before the second training: the first model and its 30 records.
    const restored = await post<{ model_version: string; records: number }>(`/triage/train/restore/${started.body.backup}`, { reason: 'crusher orders were mis-scored' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual([restored.body.model_version, restored.body.records], [before.model_version, 30]);
    assert.equal(await triageRecordRepository.count(db.db), 30);
    const predicted = await post<{ model_version: string }>('/triage/predict', { description: 'crusher seal weeping oil' });
    assert.equal(predicted.body.model_version, before.model_version, 'the restored model scores without a reload');
    const history = await registry.history({ kind: 'triage', limit: 1 });
    assert.deepEqual([history[0]?.action, history[0]?.backup, history[0]?.reason], ['restore', started.body.backup, 'crusher orders were mis-scored']);
    const runs = await runRepository.list(db.db, { kind: 'triage', limit: 10 });
    assert.deepEqual([runs[0]?.trigger, runs[0]?.status], ['restore', 'succeeded']);
    assert.equal((await post<{ model_version: string }>('/triage/train/reload', {})).body.model_version, before.model_version);
    assert.equal((await post('/triage/train/restore/registry-none', {})).status, 404);
  });

  it('scores with a model another replica made production, without a reload', async () => {
    const { modelBytes } = await trainTriageModel(records('c', ['press', 'pump']), { version: 'triage-elsewhere', now: new Date() });
    await registry.register({ kind: 'triage', bytes: modelBytes, promote: true });
    const predicted = await post<{ model_version: string }>('/triage/predict', { description: 'press seal weeping oil' });
    assert.equal(predicted.body.model_version, 'triage-elsewhere');
  });

  it('answers the same from the retraining CLI', async () => {
    const cli = join(process.cwd(), 'services', 'retraining', 'dist', 'cli.js');
    const env = { ...process.env, RETRAINING_URL: url };
    const run = promisify(execFile);
    const status = JSON.parse((await run(process.execPath, [cli, 'triage-status'], { env })).stdout) as Status;
    assert.equal(status.is_training, false);
    const file = join(rig.dir, 'bad-records.json');
    await writeFile(file, JSON.stringify([{ ...valid, availability_score: 6 }]));
    await assert.rejects(run(process.execPath, [cli, 'triage-train', file], { env }), (err: { code?: number; stdout?: string }) => err.code === 1 && (err.stdout ?? '').includes('Record 1: availability_score must be between 1 and 5, got 6'));
  });
});
