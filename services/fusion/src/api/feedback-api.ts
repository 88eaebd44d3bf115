import express, { Router } from 'express';
import { z } from 'zod';
import { FEEDBACK_VERDICTS, type AlertFeedbackEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import { HttpError, requestActor, validateInput } from '@premonitor/http';
import type { Clock } from '@premonitor/time';
import type { FeedbackStore } from '../feedback-store.js';
import { parseAlertId } from './alerts-api.js';

/** The body of `POST /alerts/:id/feedback`. The actor comes from the credential, never from here. */
export const feedbackBody = z.strictObject({
  verdict: z.enum(FEEDBACK_VERDICTS, { error: `required: one of ${FEEDBACK_VERDICTS.join(', ')}` }),
  note: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').optional(),
});

export interface FeedbackApiDependencies {
  readonly store: FeedbackStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * `POST /alerts/:id/feedback {verdict, note?}` (mounted at `/api/v1`): stores the verdict as
 * the alert's current one, then publishes it on `pm.feedback.{site}.{device}` for retraining.
 * 404 for an unknown alert. The verdict is stored before it is published: when the bus refuses
 * it the answer is 503 and sending the same verdict again publishes it.
 */
export function createFeedbackApi(deps: FeedbackApiDependencies): Router {
  const router = Router();
  router.use('/alerts/:id/feedback', express.json({ limit: '16kb' }));
  router.post('/alerts/:id/feedback', async (req, res) => {
    const alertId = parseAlertId(req.params.id);
    const body = validateInput(feedbackBody, req.body ?? {});
    const event = await deps.store.record({ alertId, verdict: body.verdict, note: body.note ?? null, actor: requestActor(res) ?? 'api', at: deps.clock.now() });
    if (!event) throw new HttpError(404, 'not_found', `alert ${alertId} is unknown`);
    await publishFeedback(deps, event);
    res.json({ feedback: event });
  });
  return router;
}

async function publishFeedback(deps: FeedbackApiDependencies, event: AlertFeedbackEvent): Promise<void> {
  try {
    await publishEvent(deps.bus, 'feedback', [{ site: event.site, device: event.device }], event, { msgId: `feedback.${event.site}.${event.device}.${event.idempotencyKey}` });
  } catch (err) {
    deps.logger.error({ err, alertId: event.alertId }, 'feedback stored but not published');
    throw new HttpError(503, 'bus_unavailable', `the verdict on alert ${event.alertId} is stored but could not be published; send it again`);
  }
}
