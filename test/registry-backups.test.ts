// Registry backups, restore and archive (issue 14 item 6) on real PostgreSQL, through
// model-sync's routes and the retraining CLI: a backup is one file in the artifact store; a
// restore brings production back as it was and is recorded in the history; a damaged backup
// file is answered 422 and nothing changes; a restore that fails half-way changes nothing;
// the production model cannot be archived, a candidate can.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { createModelAdminApi, createModelBackupsApi, createModelsApi } from '@premonitor/model-sync';
import type { ModelRegistry, RegistryBackups } from '@premonitor/registry';
import { trainTriageModel, type TriageRecord } from '@premonitor/training/triage';
import { needService } from './support/real-services.js';
import { artifactPath, openRegistryRig, type RegistryRig } from './support/registry-rig.js';

const logger = createLogger({ service: 'registry-backups-test', level: 'silent' });
const pg = await needService('postgres');
const now = new Date('2026-12-06T10:00:00Z');

const records: TriageRecord[] = ['pump seal leaking', 'fan tripped, line stopped', 'paint peeling on guard', 'hydrogen leak at flange'].map((description, i) => ({
  anomaly_id: `r-${i}`,
  description,
  availability_score: 1 + i,
  fiability_score: 2,
  process_safety_score: i === 3 ? 5 : 1,
}));
const triageBytes = async (version: string) => (await trainTriageModel(records, { version, now })).modelBytes;

describe('registry backups, restore and archive (PostgreSQL)', { skip: pg.skip }, () => {
  let rig: RegistryRig;
  let registry: ModelRegistry;
  let backups: RegistryBackups;
  let http: HttpServer;
  let url: string;

  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}/api/v1${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const production = async () => (await registry.production('triage'))?.version;

  before(async () => {
    rig = await openRegistryRig(pg.url!, 'pm-registry-backups', logger);
    ({ registry, backups } = rig);
    const routers = [createModelBackupsApi(backups, logger), createModelAdminApi(registry, logger), createModelsApi(registry)];
    http = new HttpServer({ logger, registry: createRegistry('registry-backups', false), readiness: [], routers: routers.map((router) => ({ path: '/api/v1', router })), portSetting: 'HTTP_PORT' });
    url = `http://127.0.0.1:${await http.start(0)}`;
    await registry.register({ kind: 'triage', bytes: await triageBytes('t1') });
    await registry.register({ kind: 'thermal', bytes: new Uint8Array(await readFile(join(process.cwd(), 'models', 'thermal.onnx'))) });
  });

  after(async () => {
    await http?.stop();
    await rig?.close();
  });

  it('restores production as it was at the backup, records it in the history and announces nothing for kinds without a subject', async () => {
    const created = await call<{ name: string; models: number; kinds: string[]; sha256: string }>('POST', '/models/backups', { reason: 'before t2' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.kinds.sort(), ['thermal', 'triage']);
    assert.equal(created.body.models, 2);
    const listed = await call<{ items: { name: string }[] }>('GET', '/models/backups?kind=triage');
    assert.deepEqual(listed.body.items.map((b) => b.name), [created.body.name]);

    await registry.register({ kind: 'triage', bytes: await triageBytes('t2'), promote: true });
    assert.equal(await production(), 't2');
    const restored = await call<{ production: { kind: string; version: string; previousVersion: string | null }[] }>('POST', `/models/backups/${created.body.name}/restore`, { reason: 't2 scores leaks too low' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(restored.body.production.find((p) => p.kind === 'triage'), { kind: 'triage', scope: '', version: 't1', previousVersion: 't2' });
    assert.equal(await production(), 't1');
    assert.equal((await registry.list({ kind: 'triage' })).find((m) => m.version === 't2')?.stage, 'archived');
    const history = await call<{ items: { action: string; version: string; previousVersion: string | null; backup: string | null; reason: string }[] }>('GET', '/models/history?kind=triage');
    assert.deepEqual(history.body.items[0], { ...history.body.items[0], action: 'restore', version: 't1', previousVersion: 't2', backup: created.body.name, reason: 't2 scores leaks too low' });
    assert.equal(history.body.items[1]?.action, 'promote');
  });

  it('answers 422 for a damaged backup file and changes nothing', async () => {
    const created = await call<{ name: string; sha256: string }>('POST', '/models/backups', { reason: 'to be damaged', kinds: ['triage'] });
    await registry.register({ kind: 'triage', bytes: await triageBytes('t3'), promote: true });
    const path = artifactPath(rig.storeDir, created.body.sha256);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length >> 1));
    const before = await registry.list({ kind: 'triage' });
    const answer = await call<{ error: string; message: string }>('POST', `/models/backups/${created.body.name}/restore`);
    assert.equal(answer.status, 422);
    assert.equal(answer.body.error, 'backup_corrupt');
    assert.match(answer.body.message, /nothing was restored/);
    assert.deepEqual(await registry.list({ kind: 'triage' }), before);
    assert.equal(await production(), 't3');
    assert.equal((await call('POST', '/models/backups/registry-none/restore')).status, 404);
  });

  it('changes nothing when a restore fails half-way (one transaction)', async () => {
    const backup = await backups.create({ reason: 'before t4', kinds: ['triage'] });
    await registry.register({ kind: 'triage', bytes: await triageBytes('t4'), promote: true });
    const before = await registry.list({ kind: 'triage' });
    const historyBefore = await registry.history({ kind: 'triage', limit: 100 });
    await assert.rejects(
      backups.restore(backup.name, {
        within: async (trx) => {
          // Reached after the models were rewritten inside the transaction.
          assert.equal((await trx.selectFrom('models').select('version').where('kind', '=', 'triage').where('stage', '=', 'production').executeTakeFirst())?.version, 't3');
          throw new Error('the caller’s own tables could not be restored');
        },
      }),
      /could not be restored/,
    );
    assert.deepEqual(await registry.list({ kind: 'triage' }), before);
    assert.deepEqual(await registry.history({ kind: 'triage', limit: 100 }), historyBefore);
    assert.equal(await production(), 't4');
  });

  it('refuses to archive a production model, and a restore over an unchanged kind changes nothing', async () => {
    const backup = await backups.create({ reason: 'thermal', kinds: ['thermal'] });
    const thermal = (await registry.production('thermal'))!.version;
    const refused = await call<{ error: string }>('POST', `/models/thermal/${thermal}/archive`);
    assert.equal(refused.status, 409);
    const outcome = await backups.restore(backup.name);
    assert.deepEqual(outcome.production, [{ kind: 'thermal', scope: '', version: thermal, previousVersion: thermal }]);
    assert.equal((await registry.production('thermal'))?.version, thermal);
  });

  it('archives a candidate (no longer a fallback) but not the production model', async () => {
    await registry.register({ kind: 'triage', bytes: await triageBytes('t5') });
    assert.equal((await registry.lastGoodVersions('triage')).some((m) => m.version === 't5'), false, 'triage has no model check, so a candidate is not a fallback anyway');
    const archived = await call<{ stage: string; promotedAt: string | null }>('POST', '/models/triage/t5/archive', { reason: 'trained on test data' });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.stage, 'archived');
    const refused = await call<{ error: string }>('POST', '/models/triage/t4/archive');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'model_in_production');
    assert.equal((await call('POST', '/models/triage/nope/archive')).status, 404);
    assert.equal((await call('POST', '/models/triage/t5/archive', { reason: 1 })).status, 400);
    const history = await registry.history({ kind: 'triage', limit: 1 });
    assert.equal(history[0]?.action, 'archive');
    // A rollback from t4 skips t5 (never production) and returns to t3.
    assert.equal((await call<{ version: string }>('POST', '/models/triage/rollback', { reason: 'test' })).body.version, 't3');
  });

  it('does the same from the retraining CLI', async () => {
    const cli = join(process.cwd(), 'services', 'retraining', 'dist', 'cli.js');
    const env = { ...process.env, RETRAINING_URL: url, MODELS_URL: url };
    const run = promisify(execFile);
    const made = JSON.parse((await run(process.execPath, [cli, 'backup', '--reason', 'from the CLI', '--kind', 'triage'], { env })).stdout) as { name: string };
    const listed = JSON.parse((await run(process.execPath, [cli, 'backups', '--kind', 'triage'], { env })).stdout) as { items: { name: string }[] };
    assert.equal(listed.items[0]?.name, made.name);
    await registry.register({ kind: 'triage', bytes: await triageBytes('t6'), promote: true });
    const restored = JSON.parse((await run(process.execPath, [cli, 'restore', made.name, '--reason', 'cli restore'], { env })).stdout) as { production: { version: string }[] };
    assert.deepEqual(restored.production.map((p) => p.version), ['t3']);
    const history = JSON.parse((await run(process.execPath, [cli, 'model-history', '--kind', 'triage'], { env })).stdout) as { items: { action: string }[] };
    assert.equal(history.items[0]?.action, 'restore');
    await assert.rejects(run(process.execPath, [cli, 'archive', 'triage', 't3'], { env }), (err: { code?: number; stdout?: string }) => err.code === 1 && /model_in_production/.test(err.stdout ?? ''));
  });
});
