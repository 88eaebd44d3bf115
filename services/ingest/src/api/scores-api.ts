import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { FRAME_KINDS, ID_PATTERN } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import { queryLimit, queryTime, validateInput } from '@premonitor/http';

const id = z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}');
const deviceParams = z.object({ site: id, device: id });

/** `GET /devices/{site}/{device}/scores`: one kind or all, a time window, newest first. */
export const scoresQuery = z
  .strictObject({ kind: z.enum(FRAME_KINDS).optional(), from: queryTime.optional(), to: queryTime.optional(), limit: queryLimit(10_000, 1_000) })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

/**
 * A device's scores (mounted at `/api/v1`): what the console charts against the device's
 * baseline. Served by ingest, which owns `/api/v1/devices` (the Ingress routes that prefix to it:
 * a path with the device in the middle cannot be routed to another service by prefix); it reads
 * the `scores` table the inference services write, every kind.
 */
export function createScoresApi(db: Kysely<Database>): Router {
  const router = Router();
  router.get('/devices/:site/:device/scores', async (req, res) => {
    const { site, device } = validateInput(deviceParams, req.params);
    const q = validateInput(scoresQuery, req.query);
    let query = db
      .selectFrom('scores')
      .select(['time', 'kind', 'score', 'model_version', 'reference', 'seq'])
      .where('device_id', '=', `${site}/${device}`)
      .orderBy('time', 'desc')
      .limit(q.limit + 1);
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.from) query = query.where('time', '>=', q.from);
    if (q.to) query = query.where('time', '<=', q.to);
    const rows = await query.execute();
    res.json({
      site,
      device,
      items: rows.slice(0, q.limit).map((r) => ({ time: r.time.toISOString(), kind: r.kind, score: r.score, modelVersion: r.model_version, reference: r.reference, seq: r.seq })),
      // More rows in the window than `limit`: narrow it (from/to) to see the older ones.
      truncated: rows.length > q.limit,
    });
  });
  return router;
}
