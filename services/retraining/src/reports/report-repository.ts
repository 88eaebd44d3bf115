import type { Kysely } from 'kysely';
import { deviceKey, type DeviceRef } from '@premonitor/contracts';
import type { Database, MaintenanceReportRow } from '@premonitor/db';
import type { TriageScores } from '../triage/triage-scorer.js';

/** A report to store. */
export interface NewReport {
  readonly ref: DeviceRef;
  readonly alertId: number | null;
  readonly submissionId: string | null;
  readonly text: string;
  readonly equipmentName: string | null;
  readonly equipmentId: string | null;
  readonly author: string;
  readonly at: Date;
}

/** An engineer's corrected scores. */
export interface ReportCorrection {
  readonly availability_score: number;
  readonly fiability_score: number;
  readonly process_safety_score: number;
  readonly by: string;
  readonly at: string;
}

/** Filters of `GET /reports`. */
export interface ReportFilter {
  readonly site?: string;
  readonly device?: string;
  readonly alertId?: number;
  readonly limit: number;
}

/** `maintenance_reports` (thin Kysely wrapper). */
export const reportRepository = {
  /** Stores the report; a submission id seen before answers the row stored then. */
  async insert(db: Kysely<Database>, r: NewReport): Promise<MaintenanceReportRow> {
    const values = {
      site: r.ref.site,
      device_id: deviceKey(r.ref),
      alert_id: r.alertId,
      submission_id: r.submissionId,
      text: r.text,
      equipment_name: r.equipmentName,
      equipment_id: r.equipmentId,
      author: r.author,
      created_at: r.at,
    };
    const inserted = await db.insertInto('maintenance_reports').values(values).onConflict((oc) => oc.column('submission_id').doNothing()).returningAll().executeTakeFirst();
    if (inserted) return inserted;
    return db.selectFrom('maintenance_reports').selectAll().where('submission_id', '=', r.submissionId).executeTakeFirstOrThrow();
  },

  async scored(db: Kysely<Database>, id: number, scores: TriageScores, version: string, at: Date): Promise<MaintenanceReportRow> {
    return db.updateTable('maintenance_reports').set({ scores: JSON.stringify(scores), model_version: version, scored_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  async byId(db: Kysely<Database>, id: number): Promise<MaintenanceReportRow | undefined> {
    return db.selectFrom('maintenance_reports').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async list(db: Kysely<Database>, f: ReportFilter): Promise<MaintenanceReportRow[]> {
    let q = db.selectFrom('maintenance_reports').selectAll();
    if (f.site !== undefined) q = q.where('site', '=', f.site);
    if (f.device !== undefined && f.site !== undefined) q = q.where('device_id', '=', deviceKey({ site: f.site, device: f.device }));
    else if (f.device !== undefined) q = q.where('device_id', 'like', `%/${f.device}`);
    if (f.alertId !== undefined) q = q.where('alert_id', '=', f.alertId);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  },
};
