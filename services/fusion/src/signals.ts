import type { DeviceRef, DeviceStatusEvent, EdgeAlertEvent, ForecastEvent, ModelHealthEvent, ReportScoredEvent, ScoreEvent, Severity, TelemetryEvent, TelemetryScoreEvent, VibrationScoreEvent } from '@premonitor/contracts';

/** One validated bus event, tagged by what it is; the engine's only input besides time. */
export type Signal =
  | { readonly type: 'score'; readonly event: ScoreEvent | TelemetryScoreEvent | VibrationScoreEvent }
  | { readonly type: 'telemetry'; readonly event: TelemetryEvent }
  | { readonly type: 'forecast'; readonly event: ForecastEvent }
  | { readonly type: 'status'; readonly event: DeviceStatusEvent }
  | { readonly type: 'edge'; readonly event: EdgeAlertEvent }
  | { readonly type: 'model'; readonly event: ModelHealthEvent }
  /** A scored maintenance report, for the `maintenance-report` rule (not the engine's). */
  | { readonly type: 'report'; readonly event: ReportScoredEvent };

/** Where an alert was raised: by the core's rules or by the edge node on its own. */
export type AlertSource = 'core' | 'edge';

/** The engine found a rule's condition met: open the alert, or update the one already open. */
export interface RaiseDecision {
  readonly type: 'raise';
  readonly ref: DeviceRef;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  /** The value that triggered (a 0–1 score, a reading, a risk score), for the peak. */
  readonly score: number | null;
  readonly source: AlertSource;
  /** Clock time of the decision, ms. */
  readonly at: number;
  /** One line for people: what was seen. */
  readonly message: string;
  /**
   * No alert of this (device, rule) was raised before, as far as this engine knows: the store
   * tries to open one straight away, in one statement, and falls back to updating the alert
   * already there (another replica's, or one the engine forgot) when there is one.
   */
  readonly fresh: boolean;
  /**
   * The bus event that caused it (`sourceEventKey`), unset for raises of the clock (silence).
   * The store applies one raise per (device, rule, source event): a redelivered event is a no-op.
   */
  readonly sourceEvent?: string;
}

/** A raised alert's condition stayed away for its quiet period: resolve it. */
export interface ResolveDecision {
  readonly type: 'resolve';
  readonly ref: DeviceRef;
  readonly ruleId: string;
  readonly at: number;
  readonly note: string;
}

export type Decision = RaiseDecision | ResolveDecision;

const RANK: Readonly<Record<Severity, number>> = { INFO: 0, WARNING: 1, CRITICAL: 2 };

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The less severe of two severities: `severity` capped at `cap`. */
export function minSeverity(severity: Severity, cap: Severity): Severity {
  return RANK[severity] <= RANK[cap] ? severity : cap;
}

/** True when `a` is strictly more severe than `b`. */
export function moreSevere(a: Severity, b: Severity): boolean {
  return RANK[a] > RANK[b];
}
