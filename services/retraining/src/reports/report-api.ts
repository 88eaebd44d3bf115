import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { maintenanceReportFields } from '@premonitor/contracts';
import type { Database, MaintenanceReportRow } from '@premonitor/db';
import { HttpError, requestActor, utf8JsonBody, validateInput, type RouteDeclaration } from '@premonitor/http';
import type { Clock } from '@premonitor/time';
import { triageRecordRepository } from '../triage/triage-record-repository.js';
import type { ReportIntake } from './report-intake.js';
import { ReportNotPublishedError, readScores } from './report-intake.js';
import { reportRepository, type ReportCorrection } from './report-repository.js';

const deviceId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}');
const rowId = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a positive whole number').transform(Number);

/** `POST /reports`: a report on a device, with no alert. The author comes from the credential. */
export const deviceReportBody = maintenanceReportFields.extend({ site: deviceId, device: deviceId });
/** `GET /reports`. */
export const reportListQuery = z.strictObject({ site: deviceId.optional(), device: deviceId.optional(), alert: rowId.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
const score = z.number().int('must be an integer').min(1, 'must be between 1 and 5').max(5, 'must be between 1 and 5');
/** `POST /reports/{id}/correction`: an engineer's scores, which become a triage training record. */
export const correctionBody = z.strictObject({ availability_score: score, fiability_score: score, process_safety_score: score });
const idParam = z.strictObject({ id: rowId });

/**
 * The report routes of the retraining module. `POST /reports` names its site in the body, which
 * the guard cannot read: it takes the `query` site rule, so a credential limited to sites must
 * name the site as `?site=` too (checked by the guard) and the handler refuses a body of another site.
 */
export const REPORT_ROUTES: readonly RouteDeclaration[] = [
  { method: 'POST', path: '/api/v1/reports', permission: 'write:reports', siteFilter: true, docs: { summary: 'A maintenance report on a device (no alert), scored by the production triage model on arrival; a credential limited to sites also names the site as ?site=', body: deviceReportBody, example: { site: 'plant-1', device: 'pump-3', description: 'pump bearing overheating under load', equipment_name: 'feed pump' } } },
  { method: 'GET', path: '/api/v1/reports', permission: 'read:reports', siteFilter: true, docs: { summary: 'Maintenance reports with their scores (or unscored: no triage model then), newest first', query: reportListQuery } },
  { method: 'POST', path: '/api/v1/reports/:id/correction', permission: 'write:reports', site: { table: 'maintenance_reports' }, docs: { summary: "An engineer's corrected scores; they become the triage training record `report-{id}`", body: correctionBody, example: { availability_score: 4, fiability_score: 3, process_safety_score: 2 } } },
];

/** The anomaly id under which a report's correction trains the triage model. */
export function reportAnomalyId(reportId: number): string {
  return `report-${reportId}`;
}

/** `POST /reports`, `GET /reports`, `POST /reports/{id}/correction` (mounted at `/api/v1`). */
export function createReportRouter(deps: { db: Kysely<Database>; intake: ReportIntake; clock: Clock }): Router {
  const { db, intake, clock } = deps;
  const router = Router();
  // Room for a 100 kB description, so it is refused with its reason rather than as too large.
  router.use('/reports', utf8JsonBody('256kb'));

  router.post('/reports', async (req: Request, res: Response) => {
    const body = validateInput(deviceReportBody, req.body ?? {});
    const named = req.query['site'];
    if (named !== undefined && named !== body.site) throw new HttpError(400, 'site_mismatch', `?site=${String(named)} names another site than the body (${body.site})`);
    const device = await db.selectFrom('devices').select('id').where('site', '=', body.site).where('device', '=', body.device).executeTakeFirst();
    if (!device) throw new HttpError(404, 'not_found', `device ${body.site}/${body.device} is unknown`);
    const { site, device: name, ...fields } = body;
    let row: MaintenanceReportRow;
    try {
      row = await intake.submit({ ref: { site, device: name }, fields, alertId: null, submissionId: null, author: requestActor(res) ?? 'api' });
    } catch (err) {
      // Stored and scored (GET /reports shows it); only fusion has not heard of the scores.
      if (err instanceof ReportNotPublishedError) throw new HttpError(503, 'bus_unavailable', `${err.message}: the maintenance-report rule has not seen it`);
      throw err;
    }
    res.status(201).json({ report: reportView(row) });
  });

  router.get('/reports', async (req: Request, res: Response) => {
    const q = validateInput(reportListQuery, req.query);
    const rows = await reportRepository.list(db, { ...(q.site ? { site: q.site } : {}), ...(q.device ? { device: q.device } : {}), ...(q.alert ? { alertId: q.alert } : {}), limit: q.limit });
    res.json({ items: rows.map(reportView) });
  });

  router.post('/reports/:id/correction', async (req: Request, res: Response) => {
    const { id } = validateInput(idParam, req.params);
    const body = validateInput(correctionBody, req.body ?? {});
    const at = new Date(clock.now());
    const correction: ReportCorrection = { ...body, by: requestActor(res) ?? 'api', at: at.toISOString() };
    const row = await db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('maintenance_reports').set({ correction: JSON.stringify(correction) }).where('id', '=', id).returningAll().executeTakeFirst();
      if (!updated) return undefined;
      await triageRecordRepository.upsert(trx, [{ anomaly_id: reportAnomalyId(id), description: updated.text, ...(updated.equipment_name ? { equipment_name: updated.equipment_name } : {}), ...(updated.equipment_id ? { equipment_id: updated.equipment_id } : {}), ...body }], null, at);
      return updated;
    });
    if (!row) throw new HttpError(404, 'not_found', `report ${id} is unknown`);
    res.json({ report: reportView(row), triage_record: reportAnomalyId(id) });
  });
  return router;
}

/** A report as the API shows it. */
export function reportView(row: MaintenanceReportRow): Record<string, unknown> {
  const scores = readScores(row.scores);
  return {
    id: String(row.id),
    site: row.site,
    device: row.device_id.slice(row.site.length + 1),
    alert_id: row.alert_id === null ? null : String(row.alert_id),
    text: row.text,
    equipment_name: row.equipment_name,
    equipment_id: row.equipment_id,
    author: row.author,
    created_at: new Date(row.created_at).toISOString(),
    scored: scores !== null,
    scores,
    model_version: row.model_version,
    ...(scores === null ? { unscored_reason: 'no triage model was in production when it arrived (train one: POST /api/v1/triage/train)' } : {}),
    correction: readScores(row.correction),
  };
}
