import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { FRAME_KINDS } from '@premonitor/contracts';
import { validateInput } from '@premonitor/http';
import type { DriftMonitor } from './drift-monitor.js';

/** `:kind` of the drift route: the frame kinds (their scores are what the monitor watches). */
export const driftParams = z.strictObject({ kind: z.enum(FRAME_KINDS) });

/**
 * `GET /models/{kind}/drift`: the production model, its reference distribution (or how far
 * learning it got), the thresholds, and every device's window with its PSI, JS distance and
 * verdict since the last promotion.
 */
export function createDriftApi(monitor: DriftMonitor): Router {
  const router = Router();
  router.get('/models/:kind/drift', async (req: Request, res: Response) => {
    const { kind } = validateInput(driftParams, req.params);
    res.json(await monitor.status(kind));
  });
  return router;
}
