import type { ReportScoredEvent, Severity } from '@premonitor/contracts';
import type { AlertStatus } from './alert-lifecycle.js';
import type { RaiseDecision } from './signals.js';

/** The rule id of the alerts a device report opens. */
export const MAINTENANCE_REPORT_RULE = 'maintenance-report';
/** An availability or process-safety score from here up (of 1–5) acts on alerts. */
export const REPORT_SCORE_THRESHOLD = 4;

/** The alert a report was written on, as fusion finds it when the scores arrive. */
export interface LinkedAlert {
  readonly rule: string;
  readonly severity: Severity;
  readonly status: AlertStatus;
}

const ONE_LEVEL_UP: Readonly<Record<Severity, Severity>> = { INFO: 'WARNING', WARNING: 'CRITICAL', CRITICAL: 'CRITICAL' };

/**
 * The `maintenance-report` rule: a scored report whose availability or process-safety score is
 * 4–5 raises the severity of the alert it was written on by one level (the reason goes into the
 * transition's note), or — a report on a device alone, or on an alert resolved since — opens a
 * WARNING `maintenance-report` alert on the device. Lower scores do nothing. The decision
 * carries the report as its source event, so a redelivered score is applied once; a second
 * high report on a device with an open `maintenance-report` alert counts on it (no new alert).
 */
export function maintenanceReportDecision(event: ReportScoredEvent, linked: LinkedAlert | undefined, at: number): RaiseDecision | undefined {
  const { availability, process_safety: safety } = event.scores;
  const high = [availability.score >= REPORT_SCORE_THRESHOLD ? `availability ${availability.score}` : '', safety.score >= REPORT_SCORE_THRESHOLD ? `process safety ${safety.score}` : ''].filter(Boolean);
  if (high.length === 0) return undefined;
  const reason = `maintenance report ${event.reportId} scored ${high.join(', ')} (triage model ${event.modelVersion})`;
  const escalate = linked !== undefined && linked.status !== 'resolved';
  return {
    type: 'raise',
    ref: { site: event.site, device: event.device },
    ruleId: escalate ? linked.rule : MAINTENANCE_REPORT_RULE,
    severity: escalate ? ONE_LEVEL_UP[linked.severity] : 'WARNING',
    title: escalate ? `${linked.rule} alert` : 'Maintenance report',
    // An escalated alert keeps its own peak (a 0–1 anomaly score, a reading): a 1–5 score is not one.
    score: escalate ? null : Math.max(availability.score, safety.score),
    source: 'core',
    at,
    message: reason,
    fresh: false,
    sourceEvent: `report:${event.reportId}`,
  };
}
