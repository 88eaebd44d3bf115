import type { ReadingRule, ScoreRule } from './rule-schema.js';

/** What the engine remembers about one rule on one device. Mutable, owned by the engine. */
export interface RuleState {
  /** Last M observations: above `raiseAbove` or not (K-of-M flapping). */
  recent: boolean[];
  /** Raised and not yet cleared by hysteresis (a value below `clearBelow`). */
  active: boolean;
  /** Device time of the observation that made the rule active (for `sustained`). */
  activeSinceTs: number;
  /** An alert exists for it (raised, not yet resolved by the engine). */
  raised: boolean;
  /** Last time the condition held; the quiet period counts from here. */
  lastHoldAt: number;
  /** The condition holds by state, not by observations (offline, high risk): it holds until told otherwise. */
  sticky: boolean;
  /** The quiet period the alert was raised with, kept if the rule is later removed. */
  quietPeriodMs: number;
  /** Correlation: per signal, the last device time and score above its threshold. */
  seen: Map<string, { ts: number; score: number }>;
}

/** A fresh state for a rule never seen on the device. */
export function newRuleState(now: number): RuleState {
  return { recent: [], active: false, activeSinceTs: 0, raised: false, lastHoldAt: now, sticky: false, quietPeriodMs: 0, seen: new Map() };
}

/** What one observation does to a K-of-M rule with hysteresis. */
export type FlapOutcome = 'raise' | 'hold' | 'clear' | 'none';

/**
 * Applies one observation to a K-of-M rule with hysteresis:
 * - inactive: raise once K of the last M observations were above `raiseAbove` and this one is;
 * - active: every value above `raiseAbove` raises again (count, peak); one in the band between
 *   `clearBelow` and `raiseAbove` holds (postpones auto-resolve); one below `clearBelow` clears,
 *   so raising again takes K fresh observations.
 */
export function observeFlapping(rule: ScoreRule | ReadingRule, state: RuleState, value: number, now: number, deviceTs = now): FlapOutcome {
  const above = value > rule.raiseAbove;
  state.recent.push(above);
  if (state.recent.length > rule.m) state.recent.splice(0, state.recent.length - rule.m);
  if (state.active) {
    if (above || value >= rule.clearBelow) {
      state.lastHoldAt = now;
      return above ? 'raise' : 'hold';
    }
    state.active = false;
    state.recent = [];
    return 'clear';
  }
  if (above && state.recent.filter(Boolean).length >= rule.k) {
    state.active = true;
    state.activeSinceTs = deviceTs;
    state.lastHoldAt = now;
    return 'raise';
  }
  return 'none';
}
