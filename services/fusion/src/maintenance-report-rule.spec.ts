import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportScoredEvent } from '@premonitor/contracts';
import { MAINTENANCE_REPORT_RULE, maintenanceReportDecision } from './maintenance-report-rule.js';

function scored(availability: number, processSafety: number, alertId: string | null = '7'): ReportScoredEvent {
  const s = (score: number) => ({ score, confidence: 0.8 });
  return { reportId: '42', site: 'plant-1', device: 'pump-1', alertId, scores: { availability: s(availability), fiability: s(5), process_safety: s(processSafety) }, modelVersion: 'triage-1', ts: 1_000 };
}

test('an availability or process-safety score of 4–5 raises the linked alert one level, with the reason', () => {
  const d = maintenanceReportDecision(scored(4, 1), { rule: 'acoustic-anomaly', severity: 'WARNING', status: 'acknowledged' }, 5_000)!;
  assert.deepEqual([d.ruleId, d.severity, d.score, d.sourceEvent, d.at], ['acoustic-anomaly', 'CRITICAL', null, 'report:42', 5_000]);
  assert.match(d.message, /maintenance report 42 scored availability 4 \(triage model triage-1\)/);
  assert.equal(maintenanceReportDecision(scored(1, 5), { rule: 'r', severity: 'INFO', status: 'open' }, 0)!.severity, 'WARNING');
  assert.equal(maintenanceReportDecision(scored(5, 5), { rule: 'r', severity: 'CRITICAL', status: 'open' }, 0)!.severity, 'CRITICAL', 'capped at CRITICAL');
});

test('scores below 4 on availability and process safety do nothing, whatever fiability says', () => {
  assert.equal(maintenanceReportDecision(scored(3, 3), { rule: 'r', severity: 'INFO', status: 'open' }, 0), undefined);
  assert.equal(maintenanceReportDecision(scored(1, 2, null), undefined, 0), undefined);
});

test('a device report, or a report on an alert resolved since, opens a WARNING maintenance-report alert', () => {
  for (const linked of [undefined, { rule: 'r', severity: 'INFO' as const, status: 'resolved' as const }]) {
    const d = maintenanceReportDecision(scored(5, 1, linked ? '7' : null), linked, 0)!;
    assert.deepEqual([d.ruleId, d.severity, d.score, d.ref], [MAINTENANCE_REPORT_RULE, 'WARNING', 5, { site: 'plant-1', device: 'pump-1' }]);
  }
});
