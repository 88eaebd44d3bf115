import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { maintenanceReportFields, type ReportSubmittedEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { HttpError, requestActor, utf8JsonBody, validateInput } from '@premonitor/http';
import type { Clock } from '@premonitor/time';
import { parseAlertId } from './alerts-api.js';

/** The body of `POST /alerts/:id/report`. The author comes from the credential, never from here. */
export const alertReportBody = maintenanceReportFields;

/**
 * `POST /alerts/:id/report {description, equipment_name?, equipment_id?}` (mounted at `/api/v1`):
 * publishes the report on `pm.reports.submitted.{site}.{device}`; the retraining module stores
 * it, scores it with the triage model and publishes the scores, which fusion's
 * `maintenance-report` rule acts on. 202 with the submission id (the report appears in
 * `GET /reports?alert={id}`); 404 for an unknown alert; 503 when the bus refuses it (nothing sent).
 */
export function createReportApi(deps: { db: Kysely<Database>; bus: Bus; clock: Clock; logger: Logger }): Router {
  const router = Router();
  // Room for a 100 kB description, so it is refused with its reason rather than as too large.
  router.use('/alerts/:id/report', utf8JsonBody('256kb'));
  router.post('/alerts/:id/report', async (req, res) => {
    const alertId = parseAlertId(req.params.id);
    const body = validateInput(alertReportBody, req.body ?? {});
    const alert = await deps.db.selectFrom('alerts').select(['site', 'device_id']).where('id', '=', alertId).executeTakeFirst();
    if (!alert) throw new HttpError(404, 'not_found', `alert ${alertId} is unknown`);
    const event: ReportSubmittedEvent = {
      submissionId: randomUUID(),
      site: alert.site,
      device: alert.device_id.slice(alert.site.length + 1),
      alertId: String(alertId),
      description: body.description,
      ...(body.equipment_name ? { equipmentName: body.equipment_name } : {}),
      ...(body.equipment_id ? { equipmentId: body.equipment_id } : {}),
      author: requestActor(res) ?? 'api',
      ts: deps.clock.now(),
    };
    try {
      await publishEvent(deps.bus, 'reportsSubmitted', [{ site: event.site, device: event.device }], event, { msgId: `report-submitted.${event.submissionId}` });
    } catch (err) {
      deps.logger.error({ err, alertId }, 'maintenance report not published');
      throw new HttpError(503, 'bus_unavailable', `the report on alert ${alertId} could not be sent; send it again`);
    }
    res.status(202).json({ status: 'submitted', submission_id: event.submissionId, alert_id: String(alertId), message: `stored and scored by the retraining module: GET /api/v1/reports?alert=${alertId}` });
  });
  return router;
}
