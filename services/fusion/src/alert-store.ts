import type { AlertEvent, DeviceRef, Severity } from '@premonitor/contracts';
import type { AlertStatus } from './alert-lifecycle.js';
import type { RaiseDecision, ResolveDecision } from './signals.js';

/** A recorded transition waiting to be published (the outbox row). */
export interface OutboxEntry {
  readonly eventId: number;
  readonly subject: string;
  readonly payload: AlertEvent;
}

/** An alert not yet resolved, as the engine needs it after a restart. */
export interface UnresolvedAlert {
  readonly ref: DeviceRef;
  readonly ruleId: string;
  readonly lastSeen: number;
}

/** Outcome of a requested transition; expected failures are values, not exceptions. */
export type TransitionOutcome =
  | { readonly kind: 'done'; readonly entry: OutboxEntry }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'invalid'; readonly status: AlertStatus; readonly reason: string };

/**
 * What a raise did: the transitions to publish (none for a plain update), or nothing at all
 * because its source event had been applied already (`replay`).
 */
export interface RaiseOutcome {
  readonly entries: readonly OutboxEntry[];
  readonly replay: boolean;
}

/**
 * Persistence of alerts and their lifecycle. Every write that makes a transition records it
 * in `alert_events` and in the outbox in the same transaction, and returns the outbox entries
 * for the caller to publish.
 */
export interface AlertStore {
  /**
   * Opens the (device, rule) alert or updates the unresolved one — unless the decision's source
   * event was applied to that (device, rule) before: then nothing changes (`replay`). The event
   * is recorded in the same statement or transaction as the effect, so it is applied exactly once.
   */
  raise(decision: RaiseDecision): Promise<RaiseOutcome>;
  /** Resolves the unresolved alert of each decision's (device, rule), where there is one, in one transaction. */
  resolveRules(decisions: readonly ResolveDecision[], actor: string): Promise<readonly OutboxEntry[]>;
  /** One alert's rule, severity and status, by id (what the maintenance-report rule acts on). */
  find(alertId: number): Promise<{ readonly rule: string; readonly severity: Severity; readonly status: AlertStatus } | undefined>;
  /** Moves an alert by id (the API's ack and resolve). */
  transition(alertId: number, to: AlertStatus, actor: string, note: string | null, at: number): Promise<TransitionOutcome>;
  /** Transitions recorded but not yet published, oldest first. */
  outbox(limit: number): Promise<readonly OutboxEntry[]>;
  /** Drops published entries from the outbox. */
  published(eventIds: readonly number[]): Promise<void>;
  /** Every alert not yet resolved. */
  unresolved(): Promise<readonly UnresolvedAlert[]>;
  /**
   * Forgets source events applied before `olderThan` (a bounded batch per statement, at most
   * `maxBatches`); resolves with how many went. A replay older than that is applied again.
   */
  forgetAppliedEvents(olderThan: Date, maxBatches?: number): Promise<number>;
}
