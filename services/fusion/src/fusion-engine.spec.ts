import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreEvent } from '@premonitor/contracts';
import { FusionEngine } from './fusion-engine.js';
import { compileRules } from './rule-set.js';
import type { Decision, RaiseDecision, Signal } from './signals.js';

const T0 = 1_700_000_000_000;
const ref = { site: 's1', device: 'd1' };

function score(kind: 'acoustic' | 'thermal', value: number, ts = T0, reference?: 'device' | 'fleet'): Signal {
  const event: ScoreEvent = { ...ref, kind, ts, seq: 0, score: value, modelVersion: 'v1', latencyMs: 1, ...(reference ? { reference } : {}) };
  return { type: 'score', event };
}
const gas = (ppm: number, ts = T0): Signal => ({ type: 'telemetry', event: { ...ref, ts, seq: 0, readings: { gas_ppm: ppm }, receivedAt: ts } });
const status = (state: 'online' | 'offline'): Signal => ({ type: 'status', event: { ...ref, state, ts: T0 } });

function raises(decisions: readonly Decision[], ruleId?: string): RaiseDecision[] {
  return decisions.filter((d): d is RaiseDecision => d.type === 'raise' && (ruleId === undefined || d.ruleId === ruleId));
}

function engineWith(file: unknown): FusionEngine {
  const compiled = compileRules(file);
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.error);
  return new FusionEngine(compiled.ruleSet);
}

describe('FusionEngine', () => {
  it('raises CRITICAL on the first acoustic score above 0.85 (default 1 of 1)', () => {
    const engine = new FusionEngine();
    assert.deepEqual(raises(engine.observe(score('acoustic', 0.85), T0)), []);
    const [raise] = raises(engine.observe(score('acoustic', 0.9), T0 + 1000), 'acoustic-anomaly');
    assert.equal(raise?.severity, 'CRITICAL');
    assert.equal(raise?.score, 0.9);
    assert.equal(raise?.source, 'core');
  });

  it('caps a raise from a device not enrolled yet at INFO, saying why, and raises CRITICAL once it is scored against itself', () => {
    const engine = new FusionEngine();
    const [fleet] = raises(engine.observe(score('acoustic', 0.97, T0, 'fleet'), T0), 'acoustic-anomaly');
    assert.equal(fleet?.severity, 'INFO');
    assert.match(fleet?.message ?? '', /^not yet enrolled: scored against the fleet; acoustic score 0\.97 above 0\.85/);
    const [device] = raises(engine.observe(score('acoustic', 0.95, T0 + 1000, 'device'), T0 + 1000), 'acoustic-anomaly');
    assert.equal(device?.severity, 'CRITICAL', 'the same alert escalates once the device is enrolled');
    assert.doesNotMatch(device?.message ?? '', /not yet enrolled/);
    // The correlated rule too, when any of its scores was taken against the fleet.
    const both = new FusionEngine();
    both.observe(score('acoustic', 0.7, T0, 'device'), T0);
    const [correlated] = raises(both.observe(score('thermal', 0.7, T0 + 1000, 'fleet'), T0 + 1000), 'correlated-anomaly');
    assert.equal(correlated?.severity, 'INFO');
    assert.match(correlated?.message ?? '', /not yet enrolled/);
  });

  it('lets a rule allow more than INFO from the fleet (fleetSeverity), never more than its own severity', () => {
    const engine = engineWith({ rules: [{ id: 'acoustic-anomaly', fleetSeverity: 'WARNING' }, { id: 'thermal-anomaly', severity: 'INFO', fleetSeverity: 'CRITICAL' }] });
    assert.equal(raises(engine.observe(score('acoustic', 0.9, T0, 'fleet'), T0), 'acoustic-anomaly')[0]?.severity, 'WARNING');
    assert.equal(raises(engine.observe(score('thermal', 0.9, T0, 'fleet'), T0), 'thermal-anomaly')[0]?.severity, 'INFO');
    assert.equal(compileRules({ rules: [{ id: 'acoustic-anomaly', fleetSeverity: 'LOUD' }] }).ok, false);
  });

  it('needs K of the last M observations above the threshold before raising', () => {
    const engine = engineWith({ rules: [{ id: 'thermal-anomaly', k: 3, m: 5 }] });
    const seq = [0.9, 0.1, 0.9, 0.2, 0.9];
    const out = seq.map((v, i) => raises(engine.observe(score('thermal', v), T0 + i * 1000), 'thermal-anomaly').length);
    assert.deepEqual(out, [0, 0, 0, 0, 1]);
  });

  it('keeps an active alert through the hysteresis band and clears only below clearBelow', () => {
    const engine = engineWith({ rules: [{ id: 'acoustic-anomaly', quietPeriodMs: 10_000 }] });
    let t = T0;
    assert.equal(raises(engine.observe(score('acoustic', 0.9), t)).length, 1);
    // 0.75 is between clearBelow (0.7) and raiseAbove: no new raise, but the condition holds.
    t += 8_000;
    assert.equal(raises(engine.observe(score('acoustic', 0.75), t)).length, 0);
    t += 8_000;
    assert.deepEqual(engine.tick(t), [], 'the band postponed auto-resolve');
    // Below clearBelow: cleared; resolved once quiet for the period since it last held (T0 + 8 s).
    assert.equal(raises(engine.observe(score('acoustic', 0.5), t)).length, 0);
    assert.deepEqual(engine.tick(T0 + 17_999), []);
    const resolved = engine.tick(T0 + 18_000);
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0]?.type, 'resolve');
    assert.equal(resolved[0]?.ruleId, 'acoustic-anomaly');
  });

  it('raises again on every value above the threshold while active (count and peak are the store’s job)', () => {
    const engine = new FusionEngine();
    const raised = [0.9, 0.95, 0.92].map((v, i) => raises(engine.observe(score('acoustic', v), T0 + i), 'acoustic-anomaly'));
    assert.deepEqual(raised.map((r) => r.length), [1, 1, 1]);
    assert.deepEqual(raised.map((r) => r[0]?.fresh), [true, false, false], 'only the first raise of an episode is fresh');
  });

  it('escalates the severity above the escalation threshold', () => {
    const engine = engineWith({ rules: [{ id: 'gas-leak', k: 1, m: 1, escalation: { above: 200, severity: 'CRITICAL' } }] });
    assert.equal(raises(engine.observe(gas(60), T0), 'gas-leak')[0]?.severity, 'WARNING');
    assert.equal(raises(engine.observe(gas(250), T0 + 1), 'gas-leak')[0]?.severity, 'CRITICAL');
  });

  it('raises the gas rule after 2 of 3 readings above 50 ppm', () => {
    const engine = new FusionEngine();
    const out = [60, 10, 70].map((v, i) => raises(engine.observe(gas(v), T0 + i), 'gas-leak').length);
    assert.deepEqual(out, [0, 0, 1]);
  });

  it('correlates acoustic and thermal above 0.6 within the 30 s window, by device time', () => {
    const engine = new FusionEngine();
    assert.equal(raises(engine.observe(score('acoustic', 0.7, T0), T0), 'correlated-anomaly').length, 0);
    const [raise] = raises(engine.observe(score('thermal', 0.65, T0 + 29_000), T0 + 29_000), 'correlated-anomaly');
    assert.equal(raise?.severity, 'WARNING');
    assert.equal(raise?.score, 0.7);
    assert.match(raise?.message ?? '', /acoustic 0\.7, thermal 0\.65/);
  });

  it('does not correlate scores further apart than the window, or below the thresholds', () => {
    const engine = new FusionEngine();
    engine.observe(score('acoustic', 0.7, T0), T0);
    assert.equal(raises(engine.observe(score('thermal', 0.7, T0 + 31_000), T0 + 31_000), 'correlated-anomaly').length, 0);
    assert.equal(raises(engine.observe(score('acoustic', 0.55, T0 + 32_000), T0 + 32_000), 'correlated-anomaly').length, 0);
  });

  it('raises "predicted failure" on a high-risk forecast and keeps it while the risk stays high', () => {
    const engine = engineWith({ rules: [{ id: 'predicted-failure', quietPeriodMs: 5_000 }] });
    const forecast = (riskLevel: 'low' | 'high'): Signal => ({
      type: 'forecast',
      event: { ...ref, sensorKey: 'temperature', ts: T0, riskScore: riskLevel === 'high' ? 90 : 10, riskLevel, timeToFailureHours: 12, recommendedAction: 'inspect bearing' },
    });
    const [raise] = raises(engine.observe(forecast('high'), T0), 'predicted-failure');
    assert.equal(raise?.title, 'predicted failure');
    assert.match(raise?.message ?? '', /failure in ~12 h; inspect bearing/);
    assert.deepEqual(engine.tick(T0 + 60_000).filter((d) => d.ruleId === 'predicted-failure'), [], 'still high: no auto-resolve');
    engine.observe(forecast('low'), T0 + 61_000);
    assert.equal(engine.tick(T0 + 66_000).filter((d) => d.type === 'resolve' && d.ruleId === 'predicted-failure').length, 1);
  });

  it('raises an INFO "model drift" while a device\'s scores have drifted and resolves it once they are back, after the quiet period', () => {
    const engine = new FusionEngine();
    const drift = (state: 'drifting' | 'ok', ts: number): Signal => ({
      type: 'model',
      event: { event: 'drift', ...ref, kind: 'thermal', modelVersion: 'v2', state, psi: state === 'drifting' ? 0.61 : 0.05, jsDistance: state === 'drifting' ? 0.4 : 0.1, window: 300, psiThreshold: 0.25, jsThreshold: 0.3, ts },
    });
    const [raise] = raises(engine.observe(drift('drifting', T0), T0), 'model-drift');
    assert.equal(raise?.severity, 'INFO');
    assert.match(raise?.message ?? '', /thermal scores of model v2 drifted.*PSI 0\.61 \(threshold 0\.25\)/);
    assert.deepEqual(engine.tick(T0 + 3_600_000).filter((d) => d.ruleId === 'model-drift'), [], 'still drifting: held');
    engine.observe(drift('ok', T0 + 3_600_001), T0 + 3_600_001);
    assert.deepEqual(engine.tick(T0 + 3_600_002).filter((d) => d.ruleId === 'model-drift'), [], 'the quiet period starts when drift ends');
    assert.equal(engine.tick(T0 + 3_900_001).filter((d) => d.type === 'resolve' && d.ruleId === 'model-drift').length, 1);
  });

  it('raises an INFO "model rolled back automatically" saying why, which resolves after an hour', () => {
    const engine = new FusionEngine();
    const rollback: Signal = { type: 'model', event: { event: 'rollback', ...ref, kind: 'thermal', modelVersion: 'bad', restoredVersion: 'good', reason: 's1/d1: 100 % of frames above 0.85', frames: 250, ts: T0 } };
    const [raise] = raises(engine.observe(rollback, T0), 'model-rollback');
    assert.equal(raise?.severity, 'INFO');
    assert.equal(raise?.message, 'thermal model bad rolled back to good after 250 frames: s1/d1: 100 % of frames above 0.85');
    assert.equal(raises(engine.observe(rollback, T0), 'model-drift').length, 0, 'a rollback is not drift');
    assert.equal(engine.tick(T0 + 3_600_000).filter((d) => d.type === 'resolve' && d.ruleId === 'model-rollback').length, 1);
  });

  it('raises "device offline" on an offline status and resolves once data comes back', () => {
    const engine = new FusionEngine();
    assert.equal(raises(engine.observe(status('offline'), T0), 'device-offline').length, 1);
    assert.deepEqual(engine.tick(T0 + 600_000).filter((d) => d.type === 'resolve'), [], 'offline holds');
    engine.observe(score('acoustic', 0.1), T0 + 600_001);
    const resolved = engine.tick(T0 + 600_002).filter((d) => d.type === 'resolve');
    assert.deepEqual(resolved.map((d) => d.ruleId), ['device-offline']);
  });

  it('raises "device offline" after N s without data, once, driven by the clock', () => {
    const engine = engineWith({ rules: [{ id: 'device-offline', silenceMs: 5_000 }] });
    engine.observe(gas(1), T0);
    assert.deepEqual(raises(engine.tick(T0 + 4_999)), []);
    const [raise] = raises(engine.tick(T0 + 5_000), 'device-offline');
    assert.match(raise?.message ?? '', /no data for 5 s/);
    assert.deepEqual(raises(engine.tick(T0 + 20_000)), [], 'not raised twice');
  });

  it('auto-resolves an edge alert after the quiet period and merges it under the core rule id', () => {
    const engine = engineWith({ rules: [{ id: 'acoustic-anomaly', quietPeriodMs: 1_000 }] });
    const edge: Signal = { type: 'edge', event: { ...ref, ts: T0, seq: 1, rule: 'acoustic-anomaly', severity: 'WARNING', score: 0.8 } };
    const [raise] = raises(engine.observe(edge, T0));
    assert.deepEqual([raise?.ruleId, raise?.source, raise?.severity, raise?.title], ['acoustic-anomaly', 'edge', 'WARNING', 'acoustic anomaly']);
    assert.deepEqual(engine.tick(T0 + 999), []);
    assert.deepEqual(engine.tick(T0 + 1_000).map((d) => d.type), ['resolve']);
  });

  it('keeps the state of unchanged rules when the rules are swapped', () => {
    const engine = engineWith({ rules: [{ id: 'gas-leak', k: 2, m: 2 }] });
    engine.observe(gas(60), T0);
    const next = compileRules({ rules: [{ id: 'gas-leak', k: 2, m: 2, raiseAbove: 55 }] });
    assert.ok(next.ok);
    engine.setRules(next.ruleSet);
    assert.equal(raises(engine.observe(gas(60), T0 + 1), 'gas-leak').length, 1);
  });

  it('resumes a restored alert so it still auto-resolves', () => {
    const engine = new FusionEngine();
    engine.restore(ref, 'thermal-anomaly', T0, T0 + 1_000);
    const resolved = (now: number) => engine.tick(now).filter((d) => d.type === 'resolve').map((d) => d.ruleId);
    assert.deepEqual(resolved(T0 + 299_999), []);
    assert.deepEqual(resolved(T0 + 300_000), ['thermal-anomaly']);
  });
});
