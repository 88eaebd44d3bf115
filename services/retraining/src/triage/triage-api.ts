import express, { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { safeText } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import { validateInput, type RouteDeclaration } from '@premonitor/http';
import { BackupCorruptError, BackupNotFoundError, type BackupRecord, type ModelRegistry, type RegistryBackups } from '@premonitor/registry';
import { MAX_RECORDS_PER_CALL, TRIAGE_TARGETS, parseReportsBody, parseTrainingBody, triageRecordSchema, triageReportSchema } from '@premonitor/training/triage';
import { runRepository, type RunRecord } from '../runs/run-repository.js';
import { triageRecordRepository } from './triage-record-repository.js';
import type { TriageScorer } from './triage-scorer.js';
import { NotATriageBackupError, TRIAGE_KIND, type TriageTraining } from './triage-training.js';

/** Largest training or predict body: 1,000 records of 2,000 characters, each up to 4 UTF-8 bytes, plus the other fields. */
export const TRIAGE_MAX_BODY = '10mb';
/** `POST /triage/train/restore/{name}`. */
export const triageRestoreBody = z.strictObject({ reason: safeText(500).optional() }).default({});
const nameParam = z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a backup name as GET /triage/train/backups lists it') });

/**
 * The triage routes with their permissions: an expert scoring reports is an operator
 * (`write:triage`: train, reload); a restore rewinds models and training records (`admin:triage`).
 */
export const TRIAGE_ROUTES: readonly RouteDeclaration[] = [
  { method: 'POST', path: '/api/v1/triage/train', permission: 'write:triage', site: 'fleet', docs: { summary: `Train the triage model on up to 1,000 expert-scored reports (plus every earlier one); all valid or none taken; 409 while one trains; body up to ${TRIAGE_MAX_BODY}`, body: z.object({ records: z.array(triageRecordSchema).min(1).max(MAX_RECORDS_PER_CALL) }), example: { records: [{ anomaly_id: 'WO-1042', description: 'L/H BUCKET CYL LEAKING', equipment_name: 'excavator', equipment_id: 'EX-3', availability_score: 3, fiability_score: 4, process_safety_score: 2 }] } } },
  { method: 'GET', path: '/api/v1/triage/train/status', permission: 'read:triage', site: 'fleet', docs: { summary: 'Is a training running, sessions completed, backups, the last training (records added, time, models retrained, backup)' } },
  { method: 'POST', path: '/api/v1/triage/train/reload', permission: 'write:triage', site: 'fleet', docs: { summary: 'Re-read the production triage model from the registry' } },
  { method: 'GET', path: '/api/v1/triage/train/backups', permission: 'read:triage', site: 'fleet', docs: { summary: 'Backups of the triage models and records (taken automatically before each training), newest first' } },
  { method: 'POST', path: '/api/v1/triage/train/restore/:name', permission: 'admin:triage', site: 'fleet', docs: { summary: 'Restore the triage models and training records of a backup in one transaction (422 if damaged; nothing changed)', body: triageRestoreBody, example: { reason: 'last training used mis-scored orders' } } },
  { method: 'POST', path: '/api/v1/triage/predict', permission: 'read:triage', site: 'fleet', docs: { summary: 'Score one report or many (≤ 1,000): availability, fiability, process safety 1–5 with a confidence each', body: z.union([triageReportSchema, z.object({ reports: z.array(triageReportSchema).min(1).max(MAX_RECORDS_PER_CALL) })]), example: { reports: [{ description: 'pump bearing overheating under load', equipment_name: 'feed pump' }] } } },
];

function backupView(b: BackupRecord): Record<string, unknown> {
  return { name: b.name, created_at: b.createdAt.toISOString(), reason: b.reason, models: b.models, size: b.size };
}

function busy(res: Response, running: RunRecord): void {
  res.status(409).json({ error: 'training_in_progress', is_training: true, run_id: running.id, message: `a triage ${running.trigger === 'restore' ? 'restore' : 'training'} is running (run ${running.id}); wait for it (GET /api/v1/triage/train/status)` });
}

/**
 * The triage API (issue 18), mounted at `/api/v1`: `POST /triage/train` (≤ 1,000 records, all
 * valid or none taken; 202 and the run trains in the background; 409 with `is_training` while
 * one runs), `GET /triage/train/status`, `POST /triage/train/reload`, `GET /triage/train/backups`,
 * `POST /triage/train/restore/{name}`, `POST /triage/predict` (one report or many).
 */
export function createTriageRouter(deps: { db: Kysely<Database>; training: TriageTraining; scorer: TriageScorer; backups: RegistryBackups; registry: ModelRegistry }): Router {
  const { db, training, scorer, backups, registry } = deps;
  const router = Router();
  const raw = express.raw({ type: () => true, limit: TRIAGE_MAX_BODY });

  router.post('/triage/train', raw, async (req: Request, res: Response) => {
    const parsed = parseTrainingBody(bodyBytes(req));
    if (!parsed.ok) {
      res.status(400).json({ error: 'invalid_records', message: parsed.error, errors: parsed.records.flatMap((r) => r.messages), records: parsed.records });
      return;
    }
    const started = await training.train(parsed.records, `POST /triage/train: ${parsed.records.length} records`);
    if ('refused' in started) return busy(res, started.running);
    res.status(202).json({ status: 'training', is_training: true, run_id: started.run.id, records_received: parsed.records.length, records_added: started.counts.added, records_updated: started.counts.updated, records_total: started.counts.total, backup: started.backup });
  });

  router.get('/triage/train/status', async (_req: Request, res: Response) => {
    const runs = await runRepository.list(db, { kind: TRIAGE_KIND, limit: 500 });
    const running = runs.find((r) => r.status === 'running');
    const trainings = runs.filter((r) => r.trigger !== 'restore' && r.status === 'succeeded');
    const last = trainings[0];
    const result = (last?.result ?? {}) as Record<string, unknown>;
    const triageBackups = await backups.list({ kind: TRIAGE_KIND });
    res.json({
      is_training: running !== undefined,
      running_run_id: running?.id ?? null,
      sessions_completed: trainings.length,
      records: await triageRecordRepository.count(db),
      model_version: (await registry.production(TRIAGE_KIND))?.version ?? null,
      backups: { count: triageBackups.length, latest: triageBackups[0] ? backupView(triageBackups[0]) : null },
      last_training: last
        ? { run_id: last.id, records_added: result['records_added'] ?? null, records_updated: result['records_updated'] ?? null, records_total: result['records_total'] ?? null, time: last.finishedAt?.toISOString() ?? null, duration_s: result['train_s'] ?? null, models_retrained: result['models_retrained'] ?? [], model_version: last.candidateVersion, backup: result['backup'] ?? null }
        : null,
      last_failure: runs.find((r) => r.status === 'failed')?.error ?? null,
    });
  });

  router.post('/triage/train/reload', async (_req: Request, res: Response) => {
    const version = await scorer.reload();
    res.json({ reloaded: version !== undefined, model_version: version ?? null, ...(version ? {} : { message: 'no triage model yet: train one with POST /api/v1/triage/train' }) });
  });

  router.get('/triage/train/backups', async (_req: Request, res: Response) => {
    res.json({ items: (await backups.list({ kind: TRIAGE_KIND })).map(backupView) });
  });

  router.post('/triage/train/restore/:name', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const { name } = validateInput(nameParam, req.params);
    const body = validateInput(triageRestoreBody, req.body ?? {});
    try {
      const restored = await training.restore(name, body.reason ?? `POST /triage/train/restore/${name}`);
      if ('refused' in restored) return busy(res, restored.running);
      res.json({ restored: name, run_id: restored.run.id, model_version: restored.production, records: restored.records });
    } catch (err) {
      if (err instanceof BackupNotFoundError) res.status(404).json({ error: 'not_found', message: err.message });
      else if (err instanceof BackupCorruptError || err instanceof NotATriageBackupError) res.status(422).json({ error: err instanceof BackupCorruptError ? 'backup_corrupt' : 'not_a_triage_backup', message: `${err.message}; nothing was restored` });
      else throw err;
    }
  });

  router.post('/triage/predict', raw, async (req: Request, res: Response) => {
    const parsed = parseReportsBody(bodyBytes(req));
    if (!parsed.ok) {
      res.status(400).json({ error: 'invalid_reports', message: parsed.error, errors: parsed.reports.flatMap((r) => r.messages), reports: parsed.reports });
      return;
    }
    const scored = await scorer.score(parsed.reports);
    if (!scored) {
      res.status(409).json({ error: 'no_model', message: 'no triage model yet: train one with POST /api/v1/triage/train' });
      return;
    }
    res.json({ model_version: scored.version, targets: TRIAGE_TARGETS.map((t) => t.name), predictions: scored.scores });
  });
  return router;
}

function bodyBytes(req: Request): Uint8Array {
  return Buffer.isBuffer(req.body) ? req.body : new Uint8Array();
}

