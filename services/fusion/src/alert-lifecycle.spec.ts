import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planTransition, planTrigger, statusesThatCanBecome, type AlertSnapshot } from './alert-lifecycle.js';
import type { RaiseDecision } from './signals.js';

const raise = (over: Partial<RaiseDecision> = {}): RaiseDecision => ({
  type: 'raise',
  ref: { site: 's', device: 'd' },
  ruleId: 'acoustic-anomaly',
  severity: 'WARNING',
  title: 'acoustic anomaly',
  score: 0.7,
  source: 'core',
  at: 1,
  message: 'seen',
  fresh: true,
  ...over,
});
const open: AlertSnapshot = { status: 'open', severity: 'WARNING', count: 2, peakScore: 0.8, source: 'core' };

describe('alert lifecycle', () => {
  it('opens an alert when none is unresolved, as the system or the edge', () => {
    const plan = planTrigger(undefined, raise());
    assert.deepEqual([plan.kind, plan.count, plan.transition?.from, plan.transition?.to, plan.transition?.actor], ['open', 1, 'none', 'open', 'system']);
    assert.equal(planTrigger(undefined, raise({ source: 'edge' })).transition?.actor, 'edge');
  });

  it('updates count and peak of the unresolved alert without a transition', () => {
    const plan = planTrigger(open, raise({ score: 0.9 }));
    assert.deepEqual([plan.kind, plan.count, plan.peakScore, plan.severity, plan.transition], ['update', 3, 0.9, 'WARNING', undefined]);
    assert.equal(planTrigger(open, raise({ score: 0.1 })).peakScore, 0.8, 'the peak never drops');
    assert.equal(planTrigger(open, raise({ severity: 'INFO' })).severity, 'WARNING', 'severity never drops');
  });

  it('escalates to a higher severity and re-opens an acknowledged alert', () => {
    const plan = planTrigger({ ...open, status: 'acknowledged' }, raise({ severity: 'CRITICAL' }));
    assert.equal(plan.severity, 'CRITICAL');
    assert.deepEqual([plan.transition?.from, plan.transition?.to, plan.transition?.previousSeverity], ['acknowledged', 'open', 'WARNING']);
    assert.match(plan.transition?.note ?? '', /escalated WARNING → CRITICAL/);
  });

  it('allows open → acknowledged → resolved and open → resolved only', () => {
    assert.equal(planTransition('open', 'acknowledged', 'ann', 'on it').ok, true);
    assert.equal(planTransition('open', 'resolved', 'ann', null).ok, true);
    assert.equal(planTransition('acknowledged', 'resolved', 'ann', null).ok, true);
    const again = planTransition('acknowledged', 'acknowledged', 'ann', null);
    assert.equal(again.ok, false);
    assert.match(again.ok ? '' : again.reason, /alert is acknowledged; it can only become resolved/);
    const done = planTransition('resolved', 'acknowledged', 'ann', null);
    assert.match(done.ok ? '' : done.reason, /alert is resolved; it can no longer change/);
    assert.deepEqual(statusesThatCanBecome('resolved'), ['open', 'acknowledged']);
    assert.deepEqual(statusesThatCanBecome('acknowledged'), ['open']);
  });
});
