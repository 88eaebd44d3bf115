import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { REGISTRY_MODEL_KINDS, safeText } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { validateInput } from '@premonitor/http';
import { ModelCheckFailedError, ModelNotFoundError, NothingToRollBackError, ProductionModelError, type ModelRecord, type ModelRegistry } from '@premonitor/registry';

const kindParam = z.strictObject({ kind: z.enum(REGISTRY_MODEL_KINDS) });
const versionParams = z.strictObject({ kind: z.enum(REGISTRY_MODEL_KINDS), version: z.string().min(1).max(64) });
/** `POST /models/{kind}/{version}/promote`. */
export const promoteBody = z.strictObject({ force: z.boolean().optional(), reason: safeText(500).optional() }).default({});
/** `POST /models/{kind}/{version}/archive` and `POST /models/{kind}/rollback`. */
export const reasonBody = z.strictObject({ reason: safeText(500).optional() }).default({});
/** `GET /models/history`. */
export const historyQuery = z.strictObject({ kind: z.enum(REGISTRY_MODEL_KINDS).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

/** A model as the API shows it (no artifact bytes; model-sync serves those). */
function view(m: ModelRecord): Record<string, unknown> {
  const { lineage, retraining_run: run } = m.metadata;
  return { kind: m.kind, scope: m.scope, version: m.version, stage: m.stage, sha256: m.sha256, size: m.size, metrics: m.metrics, lineage: lineage ?? null, retrainingRun: run ?? null, check: m.check, createdAt: m.createdAt, promotedAt: m.promotedAt, promotionForced: m.promotionForced };
}

/**
 * The registry's changes (here, not in retraining, because the Ingress routes `/api/v1/models` to model-sync by
 * prefix and `{kind}/{version}/promote` cannot be split off without regex paths): `POST /models/{kind}/{version}/promote` (`force` overrides a failed model check; an admin
 * action, logged with its reason), `POST /models/{kind}/rollback`, `POST /models/{kind}/{version}/archive` (not
 * the production one: 409), `GET /models/history` (every production change: promote, rollback, archive, restore).
 */
export function createModelAdminApi(registry: ModelRegistry, logger: Logger): Router {
  const router = Router();
  const answer = async (res: Response, action: () => Promise<ModelRecord>) => {
    try {
      res.json(view(await action()));
    } catch (err) {
      if (err instanceof ModelNotFoundError) res.status(404).json({ error: 'not_found', message: err.message });
      else if (err instanceof ProductionModelError) res.status(409).json({ error: 'model_in_production', message: err.message });
      else if (err instanceof NothingToRollBackError) res.status(409).json({ error: 'nothing_to_roll_back', message: err.message });
      else if (err instanceof ModelCheckFailedError) res.status(422).json({ error: 'model_check_failed', message: `${err.message}; an admin may promote it with {"force": true}` });
      else throw err;
    }
  };

  router.post('/models/:kind/:version/promote', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const { kind, version } = validateInput(versionParams, req.params);
    const body = validateInput(promoteBody, req.body ?? {});
    // The audit record of this request says whether it was forced and why (the path alone cannot).
    res.locals['auditDetail'] = { force: body.force ?? false, reason: body.reason ?? null };
    await answer(res, async () => {
      const promoted = await registry.promote(kind, version, '', { force: body.force ?? false, ...(body.reason ? { reason: body.reason } : {}) });
      logger.warn({ kind, version, force: body.force ?? false, reason: body.reason ?? null }, 'model promoted through the API (admin)');
      return promoted;
    });
  });

  router.post('/models/:kind/rollback', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const { kind } = validateInput(kindParam, req.params);
    const body = validateInput(reasonBody, req.body ?? {});
    await answer(res, async () => {
      const restored = await registry.rollback(kind, '', body.reason ? { reason: body.reason } : {});
      logger.warn({ kind, version: restored.version }, 'model rolled back through the API (admin)');
      return restored;
    });
  });

  router.post('/models/:kind/:version/archive', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const { kind, version } = validateInput(versionParams, req.params);
    const body = validateInput(reasonBody, req.body ?? {});
    await answer(res, async () => {
      const archived = await registry.archive(kind, version, body.reason ?? 'archived through the API');
      logger.warn({ kind, version, reason: body.reason ?? null }, 'model archived through the API (admin)');
      return archived;
    });
  });

  router.get('/models/history', async (req: Request, res: Response) => {
    const q = validateInput(historyQuery, req.query);
    const items = await registry.history(q);
    res.json({ items: items.map((h) => ({ at: h.at.toISOString(), kind: h.kind, scope: h.scope, version: h.version, action: h.action, previousVersion: h.previous_version, reason: h.reason, backup: h.backup })) });
  });
  return router;
}
