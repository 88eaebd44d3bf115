import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { MODEL_KINDS } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { validateInput } from '@premonitor/http';
import { ModelCheckFailedError, ModelNotFoundError, NothingToRollBackError, type ModelRecord, type ModelRegistry } from '@premonitor/registry';

const kindParam = z.strictObject({ kind: z.enum(MODEL_KINDS) });
const versionParams = z.strictObject({ kind: z.enum(MODEL_KINDS), version: z.string().min(1).max(64) });
const promoteBody = z.strictObject({ force: z.boolean().optional(), reason: z.string().max(500).optional() }).default({});

/** A model as the API shows it (no artifact bytes; model-sync serves those). */
function view(m: ModelRecord): Record<string, unknown> {
  const { lineage, retraining_run: run } = m.metadata;
  return { kind: m.kind, scope: m.scope, version: m.version, stage: m.stage, sha256: m.sha256, size: m.size, metrics: m.metrics, lineage: lineage ?? null, retrainingRun: run ?? null, check: m.check, createdAt: m.createdAt, promotedAt: m.promotedAt, promotionForced: m.promotionForced };
}

/**
 * The registry's changes (here, not in retraining, because the Ingress routes `/api/v1/models` to model-sync by
 * prefix and `{kind}/{version}/promote` cannot be split off without regex paths): `POST /models/{kind}/{version}/promote` (`force` overrides a failed model check; an admin
 * action, logged with its reason), `POST /models/{kind}/rollback`.
 */
export function createModelAdminApi(registry: ModelRegistry, logger: Logger): Router {
  const router = Router();
  const answer = async (res: Response, action: () => Promise<ModelRecord>) => {
    try {
      res.json(view(await action()));
    } catch (err) {
      if (err instanceof ModelNotFoundError) res.status(404).json({ error: 'not_found', message: err.message });
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
      const promoted = await registry.promote(kind, version, '', { force: body.force ?? false });
      logger.warn({ kind, version, force: body.force ?? false, reason: body.reason ?? null }, 'model promoted through the API (admin)');
      return promoted;
    });
  });

  router.post('/models/:kind/rollback', async (req: Request, res: Response) => {
    const { kind } = validateInput(kindParam, req.params);
    await answer(res, async () => {
      const restored = await registry.rollback(kind);
      logger.warn({ kind, version: restored.version }, 'model rolled back through the API (admin)');
      return restored;
    });
  });
  return router;
}
