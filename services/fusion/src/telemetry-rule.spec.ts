import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetryScoreEvent } from '@premonitor/contracts';
import { FusionEngine } from './fusion-engine.js';
import { compileRules } from './rule-set.js';
import type { RaiseDecision, Signal } from './signals.js';

const T0 = 1_700_000_000_000;
const ref = { site: 's1', device: 'pump-1' };

function window(score: number, ts: number, seq = 0): Signal {
  const event: TelemetryScoreEvent = { ...ref, kind: 'telemetry', ts, seq, score, threshold: 0.5, ratio: score / (1 - score), sensors: ['Current', 'Pressure'], modelVersion: 'pca-1', latencyMs: 0.1, reference: 'device' };
  return { type: 'score', event };
}

/** Feeds one window score per second of device time (the clock follows), returns the telemetry-anomaly raises. */
function feed(engine: FusionEngine, scores: readonly number[], from = T0): RaiseDecision[] {
  return scores.flatMap((s, i) => engine.observe(window(s, from + i * 1000, i), from + i * 1000).filter((d): d is RaiseDecision => d.type === 'raise' && d.ruleId === 'telemetry-anomaly'));
}

describe('telemetry-anomaly rule (default)', () => {
  it('raises a WARNING once three windows in a row cross the calibrated threshold, not on one or two', () => {
    const engine = new FusionEngine();
    assert.deepEqual(feed(engine, [0.2, 0.7, 0.8, 0.3, 0.6, 0.2]), [], 'two in a row are not enough');
    const out = feed(new FusionEngine(), [0.2, 0.6, 0.7, 0.8]);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.severity, 'WARNING');
    assert.equal(out[0]!.score, 0.8);
  });

  it('escalates to CRITICAL when the condition is sustained for 10 minutes of device time without clearing', () => {
    const engine = new FusionEngine();
    // 0.47 is inside the hysteresis band (clearBelow 0.45): it holds the alert, it does not clear it.
    const scores = Array.from({ length: 700 }, (_, i) => (i < 3 ? 0.7 : i % 50 === 0 ? 0.47 : 0.9));
    const out = feed(engine, scores);
    assert.equal(out[0]!.severity, 'WARNING');
    const firstCritical = out.findIndex((d) => d.severity === 'CRITICAL');
    assert.ok(firstCritical > 0, 'escalated');
    // Active from the third window (t = 2 s); critical from 600 s later, at the first raise after that.
    assert.ok(out[firstCritical]!.at - T0 >= 602_000 && out[firstCritical]!.at - T0 <= 604_000, `critical at ${out[firstCritical]!.at - T0} ms`);
    assert.match(out[firstCritical]!.message, /for 6\d\d s/);
  });

  it('starts the sustained clock again after a window below clearBelow (flapping control)', () => {
    const engine = new FusionEngine();
    const scores = Array.from({ length: 900 }, (_, i) => (i % 400 === 399 ? 0.1 : 0.9));
    const out = feed(engine, scores);
    assert.equal(out.filter((d) => d.severity === 'CRITICAL').length, 0, 'never 600 s without a clear');
    assert.ok(out.length > 800);
  });

  it('is data like every rule: a site can tighten it, and an unknown signal is refused', () => {
    const compiled = compileRules({ overrides: [{ site: 's1', rules: [{ id: 'telemetry-anomaly', k: 1, m: 1, sustained: { forMs: 5_000, severity: 'CRITICAL' } }] }] });
    assert.ok(compiled.ok);
    const out = feed(new FusionEngine(compiled.ruleSet), [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
    assert.deepEqual(out.map((d) => d.severity), ['WARNING', 'WARNING', 'WARNING', 'WARNING', 'WARNING', 'CRITICAL', 'CRITICAL']);
    const bad = compileRules({ rules: [{ id: 'telemetry-anomaly', signal: 'ultrasound' }] });
    assert.equal(bad.ok, false);
    const badSustained = compileRules({ rules: [{ id: 'telemetry-anomaly', sustained: { forMs: 0, severity: 'CRITICAL' } }] });
    assert.equal(badSustained.ok, false);
  });

  it('still scores frame kinds by their own rules: a telemetry score does not feed acoustic-anomaly', () => {
    const engine = new FusionEngine();
    const all = [0.99, 0.99, 0.99].flatMap((s, i) => engine.observe(window(s, T0 + i * 1000, i), T0 + i * 1000));
    assert.deepEqual(all.filter((d) => d.type === 'raise').map((d) => (d as RaiseDecision).ruleId), ['telemetry-anomaly']);
  });
});
