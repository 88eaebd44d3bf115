import type { Kysely } from 'kysely';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { DeviceRef, MaintenanceReportFields, ReportScoredEvent } from '@premonitor/contracts';
import type { Database, MaintenanceReportRow } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { Clock } from '@premonitor/time';
import type { TriageScorer, TriageScores } from '../triage/triage-scorer.js';
import { reportRepository } from './report-repository.js';

/** The report is stored and scored, but the bus refused its scores: sending it again (a redelivery) publishes them. */
export class ReportNotPublishedError extends Error {
  override readonly name = 'ReportNotPublishedError';
  constructor(
    readonly reportId: string,
    options: { cause: unknown },
  ) {
    super(`report ${reportId} is stored and scored, but its scores could not be published`, options);
  }
}

/** One report as it arrives, from the API (a device report) or from fusion (a report on an alert). */
export interface ReportSubmission {
  readonly ref: DeviceRef;
  readonly fields: MaintenanceReportFields;
  readonly alertId: number | null;
  /** Fusion's id of the submission; null for a report posted here. */
  readonly submissionId: string | null;
  readonly author: string;
}

/**
 * Stores a maintenance report, scores it with the production triage model and publishes the
 * scores on `pm.reports.scored.{site}.{device}` for fusion's `maintenance-report` rule. With no
 * triage model the report stays unscored (nothing is published). A submission seen before is
 * not stored twice, and its scores are published again under the same message id (the bus drops
 * the copy), so a crash between storing and publishing loses nothing.
 */
export class ReportIntake {
  constructor(private readonly deps: { db: Kysely<Database>; scorer: TriageScorer; bus: Bus; clock: Clock; logger: Logger }) {}

  async submit(s: ReportSubmission): Promise<MaintenanceReportRow> {
    const { db, scorer, clock } = this.deps;
    let row = await reportRepository.insert(db, {
      ref: s.ref,
      alertId: s.alertId,
      submissionId: s.submissionId,
      text: s.fields.description,
      equipmentName: s.fields.equipment_name ?? null,
      equipmentId: s.fields.equipment_id ?? null,
      author: s.author,
      at: new Date(clock.now()),
    });
    if (row.scores === null) {
      const scored = await scorer.score([{ description: row.text, equipment_name: row.equipment_name ?? undefined, equipment_id: row.equipment_id ?? undefined }]);
      if (!scored) return row;
      row = await reportRepository.scored(db, Number(row.id), scored.scores[0]!, scored.version, new Date(clock.now()));
    }
    try {
      await this.#publish(s.ref, row);
    } catch (cause) {
      throw new ReportNotPublishedError(String(row.id), { cause });
    }
    return row;
  }

  async #publish(ref: DeviceRef, row: MaintenanceReportRow): Promise<void> {
    const event: ReportScoredEvent = {
      reportId: String(row.id),
      site: ref.site,
      device: ref.device,
      alertId: row.alert_id === null ? null : String(row.alert_id),
      scores: readScores(row.scores)!,
      modelVersion: row.model_version!,
      ts: (row.scored_at ?? new Date(this.deps.clock.now())).getTime(),
    };
    // The row id alone repeats across databases (a reinstall, a test's throwaway one) within the
    // bus's duplicate window, which would drop the event as a copy: the device and creation time make it unique.
    await publishEvent(this.deps.bus, 'reportsScored', [ref], event, { msgId: `report-scored.${row.device_id}.${row.id}.${new Date(row.created_at).getTime()}` });
  }
}

/** The stored scores (jsonb comes back parsed; a string when written as text by another driver). */
export function readScores(value: unknown): TriageScores | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as TriageScores;
}
