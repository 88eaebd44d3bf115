import { Router } from 'express';
import { z } from 'zod';
import { REGISTRY_MODEL_KINDS } from '@premonitor/contracts';
import { validateInput } from '@premonitor/http';
import type { ModelRegistry } from '@premonitor/registry';

/** `GET /models`: every registered model, or those of a kind, stage or scope. */
export const modelsQuery = z.strictObject({
  kind: z.enum(REGISTRY_MODEL_KINDS).optional(),
  stage: z.enum(['candidate', 'production', 'archived']).optional(),
  scope: z.string().max(200).optional(),
});

/** The registry's models of every kind with their lineage (mounted at `/api/v1`), for the console's models page and the retraining CLI; no artifact bytes. */
export function createModelsApi(registry: ModelRegistry): Router {
  const router = Router();
  router.get('/models', async (req, res) => {
    const q = validateInput(modelsQuery, req.query);
    const models = await registry.list({ ...(q.kind ? { kind: q.kind } : {}), ...(q.stage ? { stage: q.stage } : {}), ...(q.scope !== undefined ? { scope: q.scope } : {}) });
    res.json({
      items: models.map((m) => ({
        kind: m.kind,
        scope: m.scope,
        version: m.version,
        stage: m.stage,
        sha256: m.sha256,
        size: m.size,
        metrics: m.metrics,
        createdAt: m.createdAt.toISOString(),
        promotedAt: m.promotedAt?.toISOString() ?? null,
        promotionForced: m.promotionForced,
        check: m.check ? { status: m.check.status, reason: m.check.reason, at: m.check.at?.toISOString() ?? null } : null,
        // Set by the retraining service on the candidates it registers (parent, data fingerprint, sample counts, settings).
        lineage: m.metadata.lineage ?? null,
        retrainingRun: m.metadata.retraining_run ?? null,
      })),
    });
  });
  return router;
}
