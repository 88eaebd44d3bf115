import type { Severity } from '@premonitor/contracts';
import { moreSevere, type AlertSource, type RaiseDecision } from './signals.js';

/** Where an alert is in its life. `resolved` is final: a new occurrence opens a new alert. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** The fields of a stored alert that the lifecycle decides on. */
export interface AlertSnapshot {
  readonly status: AlertStatus;
  readonly severity: Severity;
  readonly count: number;
  readonly peakScore: number | null;
  readonly source: AlertSource;
}

/** One lifecycle transition to record (`alert_events`) and publish (`pm.alerts.*`). */
export interface TransitionPlan {
  /** `none` for the transition that opens the alert. */
  readonly from: AlertStatus | 'none';
  readonly to: AlertStatus;
  readonly actor: string;
  readonly note: string | null;
  /** Set when the transition is an escalation. */
  readonly previousSeverity?: Severity;
}

/** What a raise does to the alert of its (device, rule). */
export type TriggerPlan =
  | { readonly kind: 'open'; readonly severity: Severity; readonly count: 1; readonly peakScore: number | null; readonly transition: TransitionPlan }
  | {
      readonly kind: 'update';
      readonly severity: Severity;
      readonly count: number;
      readonly peakScore: number | null;
      /** Only on escalation: a higher severity re-opens an acknowledged alert and is announced. */
      readonly transition?: TransitionPlan;
    };

/**
 * Opens an alert when none is unresolved for the (device, rule); otherwise updates the one
 * there — count, peak, severity — never a second one. The severity only goes up: an edge
 * WARNING followed by a core CRITICAL escalates the same alert.
 */
export function planTrigger(existing: AlertSnapshot | undefined, raise: RaiseDecision): TriggerPlan {
  const actor = raise.source === 'edge' ? 'edge' : 'system';
  if (!existing || existing.status === 'resolved') {
    return { kind: 'open', severity: raise.severity, count: 1, peakScore: raise.score, transition: { from: 'none', to: 'open', actor, note: raise.message } };
  }
  const peakScore = raise.score === null ? existing.peakScore : existing.peakScore === null ? raise.score : Math.max(existing.peakScore, raise.score);
  const count = existing.count + 1;
  if (!moreSevere(raise.severity, existing.severity)) return { kind: 'update', severity: existing.severity, count, peakScore };
  return {
    kind: 'update',
    severity: raise.severity,
    count,
    peakScore,
    transition: {
      from: existing.status,
      to: 'open',
      actor,
      note: `escalated ${existing.severity} → ${raise.severity}: ${raise.message}`,
      previousSeverity: existing.severity,
    },
  };
}

/** Outcome of asking for a transition: the plan, or why the alert cannot make it. */
export type TransitionCheck = { readonly ok: true; readonly plan: TransitionPlan } | { readonly ok: false; readonly reason: string };

const ALLOWED: Readonly<Record<AlertStatus, readonly AlertStatus[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

/** The statuses an alert may be in to make the transition to `to`. */
export function statusesThatCanBecome(to: AlertStatus): AlertStatus[] {
  return (Object.keys(ALLOWED) as AlertStatus[]).filter((from) => ALLOWED[from].includes(to));
}

/** Checks a requested transition: open → acknowledged → resolved, or open → resolved. */
export function planTransition(from: AlertStatus, to: AlertStatus, actor: string, note: string | null): TransitionCheck {
  if (!ALLOWED[from].includes(to)) {
    const allowed = ALLOWED[from];
    return { ok: false, reason: `alert is ${from}; it can ${allowed.length ? `only become ${allowed.join(' or ')}` : 'no longer change'}` };
  }
  return { ok: true, plan: { from, to, actor, note } };
}
