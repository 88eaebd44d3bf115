import { MAINTENANCE_REPORT_RULE } from './maintenance-report-rule.js';
import { deviceKey, type DeviceRef, type Severity } from '@premonitor/contracts';
import type { CorrelatedRule, Rule } from './rule-schema.js';
import { defaultRuleSet, type RuleSet } from './rule-set.js';
import { newRuleState, observeFlapping, type RuleState } from './rule-state.js';
import { maxSeverity, minSeverity, type Decision, type RaiseDecision, type Signal } from './signals.js';

/** Quiet period of edge alerts whose rule the core does not know. */
const DEFAULT_EDGE_QUIET_MS = 300_000;
const RISK_RANK = { low: 0, medium: 1, high: 2 } as const;

/** Why a raise from a fleet-referenced score is capped (the rule's `fleetSeverity`). */
export const NOT_ENROLLED_REASON = 'not yet enrolled: scored against the fleet';

interface DeviceState {
  readonly ref: DeviceRef;
  /** Clock time of the last sign of life (any event but an offline status). */
  lastDataAt: number;
  readonly rules: Map<string, RuleState>;
}

/**
 * The rules as pure logic: events and clock times in, decisions out. No I/O and no timers —
 * the caller passes `now` to `observe` and calls `tick(now)` periodically, so windows,
 * flapping, hysteresis, silence and quiet periods are all tested by passing numbers.
 *
 * Correlation windows compare device timestamps (two frames of the same moment); silence and
 * quiet periods compare clock times (what the core has seen, whatever the device clocks say).
 */
export class FusionEngine {
  #rules: RuleSet;
  readonly #devices = new Map<string, DeviceState>();

  constructor(rules: RuleSet = defaultRuleSet()) {
    this.#rules = rules;
  }

  /** Swaps the rules; the state of rules that remain is kept. */
  setRules(rules: RuleSet): void {
    this.#rules = rules;
  }

  get rules(): RuleSet {
    return this.#rules;
  }

  /** Applies one event received at clock time `now`. */
  observe(signal: Signal, now: number): Decision[] {
    const { event } = signal;
    const ref = { site: event.site, device: event.device };
    const device = this.#device(ref, now);
    const offline = signal.type === 'status' && signal.event.state === 'offline';
    if (!offline) device.lastDataAt = now;
    const out: Decision[] = [];
    if (signal.type === 'edge') out.push(this.#edge(device, signal.event, now));
    for (const rule of this.#rules.rulesFor(ref)) {
      const state = this.#state(device, rule.id, now);
      switch (rule.kind) {
        case 'score':
          if (signal.type === 'score' && signal.event.kind === rule.signal) this.#flap(device, rule, state, signal.event.score, now, signal.event.ts, out, signal.event.reference === 'fleet');
          break;
        case 'reading': {
          const value = signal.type === 'telemetry' ? signal.event.readings[rule.key] : undefined;
          if (value !== undefined && signal.type === 'telemetry') this.#flap(device, rule, state, value, now, signal.event.ts, out);
          break;
        }
        case 'correlated':
          if (signal.type === 'score') this.#correlate(device, rule, state, signal.event, now, out);
          break;
        case 'forecast':
          if (signal.type !== 'forecast') break;
          if (RISK_RANK[signal.event.riskLevel] >= RISK_RANK[rule.riskLevel]) {
            const e = signal.event;
            const message = `${e.sensorKey}: risk ${e.riskLevel} (${e.riskScore})` + (e.timeToFailureHours === null ? '' : `, failure in ~${e.timeToFailureHours} h`) + (e.recommendedAction ? `; ${e.recommendedAction}` : '');
            out.push(this.#raise(device, rule, state, rule.severity, e.riskScore, now, message, true));
          } else this.#release(state, now);
          break;
        case 'model':
          if (signal.type !== 'model' || signal.event.event !== rule.event) break;
          if (signal.event.event === 'rollback') {
            const e = signal.event;
            out.push(this.#raise(device, rule, state, rule.severity, null, now, `${e.kind} model ${e.modelVersion} rolled back to ${e.restoredVersion} after ${e.frames} frames: ${e.reason}`, false));
          } else if (signal.event.state === 'drifting') {
            const e = signal.event;
            const inputs = Object.entries(e.inputPsi ?? {}).map(([feature, psi]) => `input ${feature} PSI ${psi}`);
            const message = `${e.kind} scores of model ${e.modelVersion} drifted from its reference: PSI ${e.psi} (threshold ${e.psiThreshold}), JS distance ${e.jsDistance} (threshold ${e.jsThreshold})${inputs.length ? `, ${inputs.join(', ')}` : ''} over ${e.window} scores`;
            out.push(this.#raise(device, rule, state, rule.severity, e.psi, now, message, true));
          } else this.#release(state, now);
          break;
        case 'offline':
          if (offline) out.push(this.#raise(device, rule, state, rule.severity, null, now, 'device reported offline', true));
          else this.#release(state, now);
          break;
      }
    }
    return out;
  }

  /** Time-driven decisions: silence becomes "offline", quiet periods resolve alerts. */
  tick(now: number): Decision[] {
    const out: Decision[] = [];
    for (const device of this.#devices.values()) {
      for (const rule of this.#rules.rulesFor(device.ref)) {
        if (rule.kind !== 'offline') continue;
        const state = this.#state(device, rule.id, now);
        const silentFor = now - device.lastDataAt;
        if (!state.sticky && silentFor >= rule.silenceMs) {
          out.push(this.#raise(device, rule, state, rule.severity, null, now, `no data for ${Math.round(silentFor / 1000)} s`, true));
        }
      }
      for (const [ruleId, state] of device.rules) {
        if (!state.raised) continue;
        if (state.sticky) state.lastHoldAt = now;
        else if (now - state.lastHoldAt >= state.quietPeriodMs) {
          const quietS = Math.round((now - state.lastHoldAt) / 1000);
          Object.assign(state, newRuleState(now));
          out.push({ type: 'resolve', ref: device.ref, ruleId, at: now, note: `auto-resolved: quiet for ${quietS} s` });
        }
      }
    }
    return out;
  }

  /**
   * Resumes an alert that was unresolved when the service last stopped, so it still
   * auto-resolves (its quiet period counts from `lastSeen`) and its device is watched for silence.
   */
  restore(ref: DeviceRef, ruleId: string, lastSeen: number, now: number): void {
    const device = this.#device(ref, now);
    const rule = this.#rules.rule(ref, ruleId);
    const state = this.#state(device, ruleId, now);
    state.raised = true;
    state.lastHoldAt = lastSeen;
    state.quietPeriodMs = rule?.quietPeriodMs ?? DEFAULT_EDGE_QUIET_MS;
    // A maintenance report's alert has no condition that could go quiet: people resolve it.
    state.sticky = rule?.kind === 'offline' || rule?.kind === 'forecast' || (rule?.kind === 'model' && rule.event === 'drift') || ruleId === MAINTENANCE_REPORT_RULE;
  }

  /** Forgets that an alert exists (someone resolved it by hand); the next raise opens a new one. */
  forget(ref: DeviceRef, ruleId: string): void {
    const state = this.#devices.get(deviceKey(ref))?.rules.get(ruleId);
    if (state) Object.assign(state, newRuleState(state.lastHoldAt));
  }

  /**
   * Forgets every device `matches` picks (their partition went to another replica, which
   * watches them from now on): this replica must not raise silence or resolve quiet alerts for
   * devices whose events it no longer receives. Returns how many were forgotten.
   */
  forgetDevices(matches: (ref: DeviceRef) => boolean): number {
    let forgotten = 0;
    for (const [key, device] of this.#devices) {
      if (!matches(device.ref)) continue;
      this.#devices.delete(key);
      forgotten++;
    }
    return forgotten;
  }

  /** `fleet`: the score was taken against the fleet (device not enrolled): the raise is capped at the rule's `fleetSeverity`. */
  #flap(device: DeviceState, rule: Extract<Rule, { kind: 'score' | 'reading' }>, state: RuleState, value: number, now: number, deviceTs: number, out: Decision[], fleet = false): void {
    if (observeFlapping(rule, state, value, now, deviceTs) !== 'raise') return;
    let severity = rule.escalation && value > rule.escalation.above ? maxSeverity(rule.severity, rule.escalation.severity) : rule.severity;
    // Sustained is measured in the device's time: a replayed or back-filled episode counts as long as it lasted.
    const heldMs = deviceTs - state.activeSinceTs;
    const sustained = rule.sustained !== undefined && heldMs >= rule.sustained.forMs;
    if (sustained) severity = maxSeverity(severity, rule.sustained!.severity);
    const what = rule.kind === 'score' ? `${rule.signal} score` : rule.key;
    const lasting = sustained ? ` for ${Math.round(heldMs / 1000)} s` : '';
    const message = `${what} ${value} above ${rule.raiseAbove}${lasting}`;
    if (fleet && rule.kind === 'score') out.push(this.#raise(device, rule, state, minSeverity(severity, rule.fleetSeverity), value, now, `${NOT_ENROLLED_REASON}; ${message}`, false));
    else out.push(this.#raise(device, rule, state, severity, value, now, message, false));
  }

  #correlate(device: DeviceState, rule: CorrelatedRule, state: RuleState, event: Extract<Signal, { type: 'score' }>['event'], now: number, out: Decision[]): void {
    const { kind, score, ts } = event;
    const threshold = (rule.thresholds as Readonly<Record<string, number | undefined>>)[kind];
    if (threshold === undefined || score <= threshold) return;
    state.seen.set(kind, { ts, score, fleet: event.reference === 'fleet' });
    const kinds = Object.keys(rule.thresholds);
    const seen = kinds.map((k) => state.seen.get(k));
    if (seen.some((s) => s === undefined || Math.abs(s.ts - ts) > rule.windowMs)) return;
    const scores = seen.map((s) => s?.score ?? 0);
    const parts = kinds.map((k, i) => `${k} ${scores[i]}`).join(', ');
    const message = `${parts} within ${rule.windowMs / 1000} s`;
    const fleet = seen.some((s) => s?.fleet);
    out.push(this.#raise(device, rule, state, fleet ? minSeverity(rule.severity, rule.fleetSeverity) : rule.severity, Math.max(...scores), now, fleet ? `${NOT_ENROLLED_REASON}; ${message}` : message, false));
  }

  #edge(device: DeviceState, event: Extract<Signal, { type: 'edge' }>['event'], now: number): RaiseDecision {
    const rule = this.#rules.rule(device.ref, event.rule);
    const state = this.#state(device, event.rule, now);
    const fresh = !state.raised;
    state.raised = true;
    state.lastHoldAt = now;
    state.quietPeriodMs = rule?.quietPeriodMs ?? DEFAULT_EDGE_QUIET_MS;
    return {
      type: 'raise',
      ref: device.ref,
      ruleId: event.rule,
      severity: event.severity,
      title: rule?.title ?? `edge alert ${event.rule}`,
      score: event.score ?? null,
      source: 'edge',
      at: now,
      message: event.message ?? `raised by the edge node${event.kind ? ` (${event.kind})` : ''}`,
      fresh,
    };
  }

  #raise(device: DeviceState, rule: Rule, state: RuleState, severity: Severity, score: number | null, now: number, message: string, sticky: boolean): RaiseDecision {
    const fresh = !state.raised;
    state.raised = true;
    state.sticky = sticky;
    state.lastHoldAt = now;
    state.quietPeriodMs = rule.quietPeriodMs;
    return { type: 'raise', ref: device.ref, ruleId: rule.id, severity, title: rule.title, score, source: 'core', at: now, message, fresh };
  }

  /** A state-held condition (offline, high risk, drift) ended now; the quiet period starts. */
  #release(state: RuleState, now: number): void {
    if (!state.sticky) return;
    state.sticky = false;
    state.lastHoldAt = now;
  }

  #device(ref: DeviceRef, now: number): DeviceState {
    const key = deviceKey(ref);
    let device = this.#devices.get(key);
    if (!device) {
      device = { ref: { site: ref.site, device: ref.device }, lastDataAt: now, rules: new Map() };
      this.#devices.set(key, device);
    }
    return device;
  }

  #state(device: DeviceState, ruleId: string, now: number): RuleState {
    let state = device.rules.get(ruleId);
    if (!state) {
      state = newRuleState(now);
      device.rules.set(ruleId, state);
    }
    return state;
  }
}
