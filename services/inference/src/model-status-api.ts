import { Router } from 'express';
import type { FrameKind } from '@premonitor/contracts';
import type { ModelStatus } from './model-watcher.js';

/**
 * `GET /inference/{kind}/model`: the model in service and the registry's production model,
 * with `fallback: true` and the `reason` while production was refused (it failed to load or
 * its contract check) and an earlier version serves instead.
 */
export function createModelStatusApi(kind: FrameKind, status: () => ModelStatus): Router {
  const router = Router();
  router.get(`/inference/${kind}/model`, (_req, res) => {
    res.json(status());
  });
  return router;
}
