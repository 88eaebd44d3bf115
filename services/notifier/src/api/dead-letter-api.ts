import { Router } from 'express';
import { z } from 'zod';
import { HttpError, validateInput } from '@premonitor/http';
import type { DeliveryStore } from '../delivery-store.js';

/** `GET /notifications/dead-letters`. */
export const deadLetterListQuery = z.strictObject({
  channel: z.string().max(64).optional(),
  /** Only this site's (a credential limited to sites must name one of them). */
  site: z.string().min(1).max(128).optional(),
  limit: z.string().regex(/^\d+$/, 'must be a positive integer').transform(Number).pipe(z.number().int().min(1, 'must be ≥ 1').max(1_000, 'must be ≤ 1000')).default(100),
  cursor: z.string().regex(/^\d+$/, 'must be the `next` value of a previous page').transform(Number).optional(),
});
const idParam = z.strictObject({ id: z.string().regex(/^\d{1,15}$/, 'must be a dead letter id').transform(Number) });

/**
 * `GET /notifications/dead-letters?channel=&site=&limit=&cursor=` → `{items, next}` (newest first);
 * `POST /notifications/dead-letters/:id/resend` → 202, the item is queued again with fresh
 * attempts and the same idempotency key.
 */
export function createDeadLetterApi(store: DeliveryStore, now: () => number, resent: (channel: string) => void): Router {
  const router = Router();
  router.get('/notifications/dead-letters', async (req, res) => {
    const query = validateInput(deadLetterListQuery, req.query);
    const items = await store.listDeadLetters({ channel: query.channel, site: query.site, limit: query.limit, beforeId: query.cursor });
    const last = items.at(-1);
    res.json({ items, next: items.length === query.limit && last ? String(last.id) : null });
  });
  router.post('/notifications/dead-letters/:id/resend', async (req, res) => {
    const { id } = validateInput(idParam, req.params);
    const outcome = await store.resend(id, new Date(now()));
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') throw new HttpError(404, 'not_found', `no dead letter ${id}`);
      throw new HttpError(409, 'not_dead', `notification ${id} is not a dead letter (pending or delivered)`);
    }
    resent(outcome.channel);
    res.status(202).json({ id, channel: outcome.channel, status: 'pending' });
  });
  return router;
}
