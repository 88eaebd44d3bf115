// The edge restates the core's default alert thresholds (to keep fusion's database and HTTP
// stack off the Pi); this pins the two together so a change in fusion fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RULES } from '@premonitor/fusion';
import { EDGE_CORRELATED_RULES, EDGE_THRESHOLD_RULES, EdgeRules } from '@premonitor/edge-agent';

describe('edge rules', () => {
  it('use the same thresholds as fusion’s default rules', () => {
    for (const edge of EDGE_THRESHOLD_RULES) {
      const core = DEFAULT_RULES.find((r) => r.id === edge.id);
      assert.ok(core && (core.kind === 'score' || core.kind === 'reading'), edge.id);
      assert.equal(core.severity, edge.severity, edge.id);
      assert.equal(core.kind === 'score' ? core.fleetSeverity : undefined, edge.fleetSeverity, edge.id);
      assert.equal(core.raiseAbove, edge.raiseAbove, edge.id);
      assert.equal(core.clearBelow, edge.clearBelow, edge.id);
      assert.equal(core.k, edge.k, edge.id);
      assert.equal(core.m, edge.m, edge.id);
      assert.deepEqual(core.sustained, edge.sustained, `${edge.id}: sustained`);
    }
    for (const edge of EDGE_CORRELATED_RULES) {
      const core = DEFAULT_RULES.find((r) => r.id === edge.id);
      assert.ok(core && core.kind === 'correlated');
      assert.deepEqual(core.thresholds, edge.thresholds);
      assert.equal(core.fleetSeverity, edge.fleetSeverity);
      assert.equal(core.windowMs, edge.windowMs);
    }
  });

  it('raises an acoustic anomaly above 0.85 once, and again only after it cleared below 0.7', () => {
    const rules = new EdgeRules();
    assert.equal(rules.observeScore('acoustic', 0.9, 0).length, 1);
    assert.equal(rules.observeScore('acoustic', 0.95, 1).length, 0);
    assert.equal(rules.observeScore('acoustic', 0.75, 2).length, 0);
    assert.equal(rules.observeScore('acoustic', 0.9, 3).length, 0);
    rules.observeScore('acoustic', 0.5, 4);
    assert.equal(rules.observeScore('acoustic', 0.9, 5)[0]?.rule, 'acoustic-anomaly');
  });

  it('caps a raise from a score taken against the fleet at INFO with the reason, as fusion does', () => {
    const rules = new EdgeRules();
    const [fleet] = rules.observeScore('thermal', 0.95, 0, 'fleet');
    assert.deepEqual([fleet?.severity, fleet?.reason], ['INFO', 'not yet enrolled: scored against the fleet']);
    rules.observeScore('thermal', 0.1, 1, 'device');
    const [device] = rules.observeScore('thermal', 0.95, 2, 'device');
    assert.deepEqual([device?.severity, device?.reason], ['CRITICAL', undefined]);
    const both = new EdgeRules();
    both.observeScore('acoustic', 0.65, 0, 'fleet');
    const correlated = both.observeScore('thermal', 0.7, 1_000, 'device').find((r) => r.rule === 'correlated-anomaly');
    assert.equal(correlated?.severity, 'INFO');
  });

  it('raises telemetry-anomaly on three windows in a row above 0.5 from the device’s own model, not on two', () => {
    const rules = new EdgeRules();
    const raised = (scores: number[]) => scores.flatMap((s, i) => rules.observeScore('telemetry', s, i * 1000, 'device'));
    assert.deepEqual(raised([0.6, 0.7, 0.3, 0.6, 0.2]), []);
    const [raise] = raised([0.6, 0.7, 0.8]);
    assert.deepEqual([raise?.rule, raise?.severity, raise?.kind], ['telemetry-anomaly', 'WARNING', undefined]);
  });

  it('escalates telemetry-anomaly to CRITICAL once it stayed raised for 10 minutes of device time, once', () => {
    const rules = new EdgeRules();
    const T0 = 1_700_000_000_000;
    // One window a second; 0.47 is inside the hysteresis band: it holds the alert, it does not clear it.
    const scores = Array.from({ length: 700 }, (_, i) => (i < 3 ? 0.7 : i % 50 === 0 ? 0.47 : 0.9));
    const raises = scores.flatMap((s, i) => rules.observeScore('telemetry', s, T0 + i * 1000, 'device'));
    assert.deepEqual(raises.map((r) => r.severity), ['WARNING', 'CRITICAL']);
    // Raised by the third window (t = 2 s); CRITICAL on the first window above 0.5 from 600 s later.
    assert.equal(raises[1]!.ts - T0, 602_000);
    assert.equal(raises[1]!.sustainedMs, 600_000);
    assert.equal(raises[1]!.rule, 'telemetry-anomaly');
  });

  it('starts the sustained clock again after a window below clearBelow, and caps a fleet-referenced escalation', () => {
    const T0 = 1_700_000_000_000;
    const flapping = new EdgeRules();
    const scores = Array.from({ length: 900 }, (_, i) => (i % 400 === 399 ? 0.1 : 0.9));
    const raised = scores.flatMap((s, i) => flapping.observeScore('telemetry', s, T0 + i * 1000, 'device'));
    assert.deepEqual(raised.map((r) => r.severity), ['WARNING', 'WARNING', 'WARNING'], 'never 600 s without a clear');
    const fleet = new EdgeRules();
    const capped = Array.from({ length: 700 }, (_, i) => fleet.observeScore('telemetry', 0.9, T0 + i * 1000, 'fleet')).flat();
    assert.deepEqual(capped.map((r) => [r.severity, r.reason]), [['INFO', 'not yet enrolled: scored against the fleet']], 'no CRITICAL from a score against the fleet');
  });

  it('raises gas-leak on 2 of the last 3 readings above 50 ppm', () => {
    const rules = new EdgeRules();
    assert.equal(rules.observeReadings({ gas_ppm: 60 }, 0).length, 0);
    assert.equal(rules.observeReadings({ gas_ppm: 10 }, 1).length, 0);
    assert.equal(rules.observeReadings({ gas_ppm: 70 }, 2)[0]?.rule, 'gas-leak');
  });

  it('raises the correlated rule when acoustic and thermal are both above 0.6 within 30 s', () => {
    const rules = new EdgeRules();
    rules.observeScore('acoustic', 0.65, 0);
    assert.ok(rules.observeScore('thermal', 0.7, 20_000).some((r) => r.rule === 'correlated-anomaly'));
  });
});
