import express, { Router } from 'express';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { ID_PATTERN, SEVERITIES, type DeviceRef } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import { HttpError, queryLimit, queryTime, requestActor, validateInput } from '@premonitor/http';
import type { AlertStatus } from '../alert-lifecycle.js';
import type { TransitionOutcome } from '../alert-store.js';
import { alertKey, getAlert, listAlerts } from './alert-queries.js';
import type { AlertEventStream } from './alert-event-stream.js';

const MAX_LIMIT = 1_000;

const id = z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}');

/** `GET /alerts`. */
export const alertListQuery = z
  .strictObject({
    status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    severity: z.enum(SEVERITIES).optional(),
    site: id.optional(),
    device: id.optional(),
    rule: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must match [a-z0-9-]{1,64}').optional(),
    from: queryTime.optional(),
    to: queryTime.optional(),
    limit: queryLimit(MAX_LIMIT, 100),
    cursor: z.string().regex(/^\d{1,18}$/, 'not a cursor returned by this API').transform(Number).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

/** `GET /alerts/stream`: a credential limited to sites names one. */
export const alertStreamQuery = z.strictObject({ site: id.optional() });

const alertIdParam = z.string().regex(/^\d{1,18}$/, 'must be an alert id (a positive integer)').transform(Number);

/** The body of `POST /alerts/:id/ack` and `/resolve`. The actor comes from the credential, never from here. */
export const transitionBody = z.strictObject({
  note: z
    .string({ error: (issue) => (issue.input === undefined ? 'required: send {"note": "…"} saying why (see /docs)' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(1000, 'must be at most 1000 characters'),
});

/** What the API needs from the service to move an alert. */
export type TransitionAlert = (alertId: number, ref: DeviceRef, ruleId: string, to: AlertStatus, actor: string, note: string) => Promise<TransitionOutcome>;

/**
 * The alert API (mounted at `/api/v1`): `GET /alerts` (filters, keyset paging, newest first),
 * `GET /alerts/:id` (with events and deliveries), `GET /alerts/stream` (transitions as server-sent events), `POST /alerts/:id/ack` and `/resolve`
 * with `{note}`, acting as the request's credential — 404 for an unknown alert, 409 for a transition its status forbids.
 */
export function createAlertsApi(db: Kysely<Database>, transition: TransitionAlert, stream: AlertEventStream): Router {
  const router = Router();
  // Only under /alerts: mounted at /api/v1 beside other services (embedded mode), a parser for
  // every path would swallow their JSON bodies (the thermal upload) and cap them at 16 kB.
  router.use('/alerts', express.json({ limit: '16kb' }));

  router.get('/alerts', async (req, res) => {
    const q = validateInput(alertListQuery, req.query);
    const rows = await listAlerts(db, { ...q, beforeId: q.cursor });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({ items: page, next: rows.length > q.limit && last ? last.id : null });
  });

  // Before `/alerts/:id`, which would take `stream` for an id.
  router.get('/alerts/stream', async (req, res) => {
    const q = validateInput(alertStreamQuery, req.query);
    const lastEventId = req.headers['last-event-id'];
    const resumeFrom = typeof lastEventId === 'string' && /^\d{1,18}$/.test(lastEventId) ? Number(lastEventId) : undefined;
    await stream.attach(res, { site: q.site, lastEventId: resumeFrom });
  });

  router.get('/alerts/:id', async (req, res) => {
    const alertId = parseAlertId(req.params.id);
    const alert = await getAlert(db, alertId);
    if (!alert) throw new HttpError(404, 'not_found', `alert ${alertId} is unknown`);
    res.json(alert);
  });

  for (const [action, to] of [
    ['ack', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    router.post(`/alerts/:id/${action}`, async (req, res) => {
      const alertId = parseAlertId(req.params.id);
      const body = validateInput(transitionBody, req.body ?? {});
      const key = await alertKey(db, alertId);
      if (!key) throw new HttpError(404, 'not_found', `alert ${alertId} is unknown`);
      const outcome = await transition(alertId, key, key.rule, to, requestActor(res) ?? 'api', body.note);
      if (outcome.kind === 'not_found') throw new HttpError(404, 'not_found', `alert ${alertId} is unknown`);
      if (outcome.kind === 'invalid') throw new HttpError(409, 'invalid_transition', `cannot ${action} alert ${alertId}: ${outcome.reason}`);
      res.json({ alert: await getAlert(db, alertId), transition: outcome.entry.payload });
    });
  }

  return router;
}

/** The `:id` of an alert route, or 400. */
export function parseAlertId(raw: unknown): number {
  const parsed = alertIdParam.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, 'invalid_request', 'id: must be an alert id (a positive integer)', 'id');
  return parsed.data;
}
