import { FRAME_KINDS, type FrameKind, type Severity } from '@premonitor/contracts';

/** What a local score is about: a frame kind, a vibration window, or a window of the device's telemetry (its own model). */
export type EdgeScoreKind = FrameKind | 'vibration' | 'telemetry';

/** A threshold rule on a local score or a telemetry reading: K of the last M above `raiseAbove` raise, one below `clearBelow` clears. */
export interface EdgeThresholdRule {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Score rules: the most a raise carries when the local score was taken against the fleet (device not enrolled on the edge). */
  readonly fleetSeverity?: Severity;
  readonly on: { readonly score: EdgeScoreKind } | { readonly reading: string };
  readonly raiseAbove: number;
  readonly clearBelow: number;
  readonly k: number;
  readonly m: number;
  /**
   * Escalation when the rule stays raised (no value below `clearBelow`) for `forMs` of device
   * time: the first value above `raiseAbove` after that raises again at `severity` — fusion's
   * `sustained`, measured the same way (by the observations' timestamps, so a replayed or
   * back-filled episode counts as long as it lasted).
   */
  readonly sustained?: { readonly forMs: number; readonly severity: Severity };
}

/** Every listed score above its threshold within `windowMs` of the others. */
export interface EdgeCorrelatedRule {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly fleetSeverity: Severity;
  readonly thresholds: Readonly<Partial<Record<FrameKind, number>>>;
  readonly windowMs: number;
}

/** A rule that fired. */
export interface EdgeRaise {
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  readonly ts: number;
  readonly score?: number;
  readonly kind?: FrameKind;
  readonly value?: number;
  /** Why the severity was capped (the score was taken against the fleet). */
  readonly reason?: string;
  /** Set on an escalation by `sustained`: how long the rule had been raised, ms of device time. */
  readonly sustainedMs?: number;
}

/** Why a raise from a fleet-referenced score is capped — the same words as fusion's. */
export const EDGE_NOT_ENROLLED_REASON = 'not yet enrolled: scored against the fleet';

const RANK: Readonly<Record<Severity, number>> = { INFO: 0, WARNING: 1, CRITICAL: 2 };

/**
 * The core's default fusion rules (services/fusion `DEFAULT_RULES`), restated for the edge.
 * Importing @premonitor/fusion would pull its database and HTTP stack onto the Pi for a few
 * numbers; a test pins these to fusion's defaults so they cannot drift apart.
 */
export const EDGE_THRESHOLD_RULES: readonly EdgeThresholdRule[] = [
  { id: 'acoustic-anomaly', title: 'acoustic anomaly', severity: 'CRITICAL', fleetSeverity: 'INFO', on: { score: 'acoustic' }, raiseAbove: 0.85, clearBelow: 0.7, k: 1, m: 1 },
  { id: 'thermal-anomaly', title: 'thermal anomaly', severity: 'CRITICAL', fleetSeverity: 'INFO', on: { score: 'thermal' }, raiseAbove: 0.85, clearBelow: 0.7, k: 1, m: 1 },
  { id: 'vibration-fault', title: 'vibration fault', severity: 'WARNING', fleetSeverity: 'WARNING', on: { score: 'vibration' }, raiseAbove: 0.5, clearBelow: 0.45, k: 3, m: 5 },
  // The device's own telemetry model: three windows in a row at or above the calibrated 0.5;
  // CRITICAL once it has stayed raised for 10 minutes, as on the core.
  { id: 'telemetry-anomaly', title: 'telemetry anomaly', severity: 'WARNING', fleetSeverity: 'INFO', on: { score: 'telemetry' }, raiseAbove: 0.5, clearBelow: 0.45, k: 3, m: 3, sustained: { forMs: 600_000, severity: 'CRITICAL' } },
  { id: 'gas-leak', title: 'gas above threshold', severity: 'WARNING', on: { reading: 'gas_ppm' }, raiseAbove: 50, clearBelow: 25, k: 2, m: 3 },
];
export const EDGE_CORRELATED_RULES: readonly EdgeCorrelatedRule[] = [
  { id: 'correlated-anomaly', title: 'correlated anomaly', severity: 'WARNING', fleetSeverity: 'INFO', thresholds: { acoustic: 0.6, thermal: 0.6 }, windowMs: 30_000 },
];

/**
 * Evaluates the edge rules on local scores and readings. Pure state machine: callers feed
 * observations with their timestamps and get back the rules that became raised.
 */
export class EdgeRules {
  readonly #threshold: readonly EdgeThresholdRule[];
  readonly #correlated: readonly EdgeCorrelatedRule[];
  readonly #history = new Map<string, boolean[]>();
  /** Correlated rules raised. */
  readonly #raised = new Set<string>();
  /** Threshold rules raised: since when (device time) and the severity last raised, after any fleet cap. */
  readonly #active = new Map<string, { sinceTs: number; severity: Severity }>();
  readonly #lastHigh = new Map<string, { ts: number; score: number; fleet: boolean }>();

  constructor(threshold = EDGE_THRESHOLD_RULES, correlated = EDGE_CORRELATED_RULES) {
    this.#threshold = threshold;
    this.#correlated = correlated;
  }

  /**
   * A local model score; returns the rules it raised. A score taken against the fleet
   * (`reference: 'fleet'`: the device is not enrolled on the edge yet) raises at most the
   * rule's `fleetSeverity` (INFO), with the reason, as fusion does on the core.
   */
  observeScore(kind: EdgeScoreKind, score: number, ts: number, reference: 'device' | 'fleet' = 'device'): EdgeRaise[] {
    const fleet = reference === 'fleet';
    // An edge alert names a frame kind only (its contract); a vibration or telemetry raise says so by its rule.
    const frame = (FRAME_KINDS as readonly string[]).includes(kind) ? (kind as FrameKind) : undefined;
    const frameKind = frame ? { kind: frame } : {};
    const raises = this.#evaluate((r) => 'score' in r.on && r.on.score === kind, score, ts, { ...frameKind, score }, fleet);
    for (const rule of this.#correlated) {
      const threshold = frame ? rule.thresholds[frame] : undefined;
      if (threshold === undefined) continue;
      const key = `${rule.id}/${kind}`;
      if (score > threshold) this.#lastHigh.set(key, { ts, score, fleet });
      const all = Object.entries(rule.thresholds).map(([k]) => this.#lastHigh.get(`${rule.id}/${k}`));
      const holds = all.every((h) => h !== undefined && Math.abs(ts - h.ts) <= rule.windowMs);
      if (holds && !this.#raised.has(rule.id)) {
        this.#raised.add(rule.id);
        const raise: EdgeRaise = { rule: rule.id, title: rule.title, severity: rule.severity, ts, score: Math.max(...all.map((h) => h!.score)) };
        raises.push(all.some((h) => h!.fleet) ? capped(raise, rule.fleetSeverity) : raise);
      } else if (!holds) this.#raised.delete(rule.id);
    }
    return raises;
  }

  /** A telemetry message's readings; returns the rules they raised. */
  observeReadings(readings: Readonly<Record<string, number>>, ts: number): EdgeRaise[] {
    const out: EdgeRaise[] = [];
    for (const [key, value] of Object.entries(readings)) out.push(...this.#evaluate((r) => 'reading' in r.on && r.on.reading === key, value, ts, { value }));
    return out;
  }

  /** `fleet`: the value is a score taken against the fleet, so a raise carries at most the rule's `fleetSeverity`. */
  #evaluate(matches: (r: EdgeThresholdRule) => boolean, value: number, ts: number, extra: Partial<EdgeRaise>, fleet = false): EdgeRaise[] {
    const out: EdgeRaise[] = [];
    for (const rule of this.#threshold) {
      if (!matches(rule)) continue;
      const above = value > rule.raiseAbove;
      const history = this.#history.get(rule.id) ?? [];
      history.push(above);
      if (history.length > rule.m) history.shift();
      this.#history.set(rule.id, history);
      const active = this.#active.get(rule.id);
      const raise = (severity: Severity, more: Partial<EdgeRaise> = {}): EdgeRaise => {
        const r: EdgeRaise = { rule: rule.id, title: rule.title, severity, ts, ...extra, ...more };
        return fleet ? capped(r, rule.fleetSeverity) : r;
      };
      if (active) {
        if (value < rule.clearBelow) {
          this.#active.delete(rule.id);
          this.#history.set(rule.id, []);
          continue;
        }
        // Fusion raises again on every value above the threshold; the edge only when the severity
        // goes up, so the local log and webhook carry transitions, not every window.
        const heldMs = ts - active.sinceTs;
        if (!above || !rule.sustained || heldMs < rule.sustained.forMs) continue;
        const escalated = raise(higher(rule.severity, rule.sustained.severity), { sustainedMs: heldMs });
        if (RANK[escalated.severity] <= RANK[active.severity]) continue;
        active.severity = escalated.severity;
        out.push(escalated);
      } else if (above && history.filter(Boolean).length >= rule.k) {
        const r = raise(rule.severity);
        this.#active.set(rule.id, { sinceTs: ts, severity: r.severity });
        out.push(r);
      }
    }
    return out;
  }
}

function higher(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** `raise` at no more than `cap` (INFO when the rule names none), with the reason. */
function capped(raise: EdgeRaise, cap: Severity = 'INFO'): EdgeRaise {
  return { ...raise, severity: RANK[raise.severity] <= RANK[cap] ? raise.severity : cap, reason: EDGE_NOT_ENROLLED_REASON };
}
