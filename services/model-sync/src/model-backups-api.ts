import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { REGISTRY_MODEL_KINDS, safeText } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { validateInput } from '@premonitor/http';
import { BackupCorruptError, BackupNotFoundError, type BackupRecord, type RegistryBackups } from '@premonitor/registry';

/** `POST /models/backups`: a backup of every kind, or of those named. */
export const createBackupBody = z.strictObject({ reason: safeText(500, 1), kinds: z.array(z.enum(REGISTRY_MODEL_KINDS)).min(1).optional() });
/** `GET /models/backups`. */
export const backupListQuery = z.strictObject({ kind: z.enum(REGISTRY_MODEL_KINDS).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
/** `POST /models/backups/{name}/restore`. */
export const restoreBody = z.strictObject({ reason: safeText(500).optional() }).default({});
const nameParam = z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a backup name as GET /models/backups lists it') });

/** A backup as the API shows it. */
export function backupView(b: BackupRecord): Record<string, unknown> {
  return { name: b.name, sha256: b.sha256, size: b.size, kinds: b.kinds, models: b.models, reason: b.reason, createdAt: b.createdAt.toISOString() };
}

/**
 * Backups of the registry (mounted at `/api/v1`; model-sync serves `/api/v1/models`): list,
 * create, restore. A restore of a damaged file answers 422 and changes nothing; it is recorded
 * in `GET /models/history` (and, like every change through the API, in the audit log).
 */
export function createModelBackupsApi(backups: RegistryBackups, logger: Logger): Router {
  const router = Router();
  router.get('/models/backups', async (req: Request, res: Response) => {
    const q = validateInput(backupListQuery, req.query);
    res.json({ items: (await backups.list(q)).map(backupView) });
  });

  router.post('/models/backups', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const body = validateInput(createBackupBody, req.body);
    const backup = await backups.create({ reason: body.reason, ...(body.kinds ? { kinds: body.kinds } : {}) });
    res.status(201).json(backupView(backup));
  });

  router.post('/models/backups/:name/restore', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const { name } = validateInput(nameParam, req.params);
    const body = validateInput(restoreBody, req.body ?? {});
    try {
      const outcome = await backups.restore(name, body.reason ? { reason: body.reason } : {});
      logger.warn({ backup: name, production: outcome.production }, 'registry restored through the API (admin)');
      res.json({ backup: backupView(outcome.backup), models: outcome.models, production: outcome.production });
    } catch (err) {
      if (err instanceof BackupNotFoundError) res.status(404).json({ error: 'not_found', message: err.message });
      else if (err instanceof BackupCorruptError) res.status(422).json({ error: 'backup_corrupt', message: `${err.message}; nothing was restored` });
      else throw err;
    }
  });
  return router;
}
