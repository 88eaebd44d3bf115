import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessFailureRisk, normalCdf, normalQuantile, type RiskStep } from './failure-risk.js';

/** A straight-line forecast from `from` by `slope` per hour, hourly steps, ±`half` intervals. */
function line(from: number, slope: number, half: number, n = 12): RiskStep[] {
  return Array.from({ length: n }, (_, i) => {
    const y = from + slope * (i + 1);
    return { hoursAhead: i + 1, predicted: y, lower: y - half, upper: y + half };
  });
}

test('normal helpers agree with the textbook values', () => {
  assert.ok(Math.abs(normalCdf(1.6448536) - 0.95) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536) < 1e-5);
});

test('a flat forecast far inside the limits is low risk with no time to failure', () => {
  const r = assessFailureRisk({ sensorKey: 'temp', lastValue: 50, steps: line(50, 0, 2), limits: { low: 0, high: 80 }, intervalLevel: 0.9 });
  assert.equal(r.riskLevel, 'low');
  assert.equal(r.riskScore, 0);
  assert.equal(r.timeToFailureHours, null);
  assert.match(r.recommendedAction, /No action/);
});

test('a forecast crossing the high limit at step 5 is high risk, ~5 h to failure, with a maintenance action', () => {
  const r = assessFailureRisk({ sensorKey: 'temp', lastValue: 75, steps: line(75, 1.2, 1), limits: { high: 81 }, intervalLevel: 0.9 });
  assert.equal(r.riskLevel, 'high');
  assert.ok(r.riskScore > 99);
  assert.equal(r.timeToFailureHours, 5);
  assert.match(r.recommendedAction, /Schedule maintenance within 5 h/);
  assert.deepEqual(r.limit, { side: 'high', value: 81 });
});

test('the score is the exceedance probability: a final step whose mean sits on the limit scores 50', () => {
  const steps = line(60, 0, 1.6448536 * 2);
  steps[11] = { hoursAhead: 12, predicted: 70, lower: 70 - 1.6448536 * 2, upper: 70 + 1.6448536 * 2 };
  const r = assessFailureRisk({ sensorKey: 'p', lastValue: 60, steps, limits: { high: 70 }, intervalLevel: 0.9 });
  assert.equal(r.riskScore, 50);
  assert.equal(r.riskLevel, 'medium');
  assert.equal(r.timeToFailureHours, 12);
});

test('a falling trend that has not crossed the low limit yet extrapolates the hours, and a value already outside is 100', () => {
  const falling = assessFailureRisk({ sensorKey: 'p', lastValue: 10, steps: line(10, -0.25, 0.1), limits: { low: 5 }, intervalLevel: 0.9 });
  // Unlikely within the horizon, but trending into the limit in 20 h: at least medium, never "no action".
  assert.equal(falling.riskLevel, 'medium');
  assert.equal(falling.timeToFailureHours, 20);
  const outside = assessFailureRisk({ sensorKey: 'p', lastValue: 4, steps: line(4, 0, 0.1), limits: { low: 5 }, intervalLevel: 0.9 });
  assert.equal(outside.riskScore, 100);
  assert.equal(outside.timeToFailureHours, 0);
  assert.match(outside.recommendedAction, /Inspect now/);
});

test('a fast sensor trending into its limit is never "risk low, no action" next to a time to failure of 0.02 h', async () => {
  const { buildMaintenanceSchedule } = await import('../maintenance-schedule.js');
  // 1 s steps, 12 s horizon: the forecast creeps toward 80 with wide intervals, so no step is
  // likely beyond the limit (score < 30), yet the trend reaches it about 72 s from now.
  const steps = Array.from({ length: 12 }, (_, i) => {
    const y = 70 + 0.125 * (i + 1);
    return { hoursAhead: (i + 1) / 3600, predicted: y, lower: y - 15, upper: y + 15 };
  });
  const r = assessFailureRisk({ sensorKey: 'pressure', lastValue: 70, steps, limits: { high: 80 }, intervalLevel: 0.9 });
  assert.ok(r.riskScore < 30, String(r.riskScore));
  assert.equal(r.timeToFailureHours, 0.02);
  assert.equal(r.riskLevel, 'medium');
  assert.doesNotMatch(r.recommendedAction, /No action/);
  assert.match(r.recommendedAction, /Plan an inspection: pressure may rise above its high limit 80 in about 1 min/);
  const now = Date.UTC(2024, 0, 1);
  const record = { deviceId: 'site/dev', sensorKey: 'pressure' } as Parameters<typeof buildMaintenanceSchedule>[0][number]['record'];
  const [item] = buildMaintenanceSchedule([{ record, risk: r } as Parameters<typeof buildMaintenanceSchedule>[0][number]], 7, now);
  assert.equal(item!.risk_level, 'medium');
  assert.notEqual(item!.priority_label, 'low');
  assert.doesNotMatch(item!.recommended_action, /No action/);
});

test('the telemetry anomaly score raises the risk before the forecast sees a limit; without a score the risk is the forecast\'s', async () => {
  const { combineWithAnomaly } = await import('./failure-risk.js');
  const calm = assessFailureRisk({ sensorKey: 'temp', lastValue: 50, steps: line(50, 0, 2), limits: { low: 0, high: 80 }, intervalLevel: 0.9 });
  assert.deepEqual(combineWithAnomaly(calm, 'temp', undefined), calm);
  const held = combineWithAnomaly(calm, 'temp', 0.5);
  assert.equal(held.riskLevel, 'high');
  assert.equal(held.riskScore, 70);
  assert.equal(held.anomalyScore, 0.5);
  assert.match(held.recommendedAction, /anomaly score is 0\.50 \(alarm threshold 0\.5\)/);
  const half = combineWithAnomaly(calm, 'temp', 0.25);
  assert.equal(half.riskLevel, 'medium');
  assert.equal(combineWithAnomaly(calm, 'temp', 0.05).riskLevel, 'low');
  // Independent causes: a medium forecast and a medium anomaly make a high risk.
  const rising = assessFailureRisk({ sensorKey: 'temp', lastValue: 70, steps: line(70, 0.75, 4), limits: { high: 80 }, intervalLevel: 0.9 });
  assert.equal(rising.riskLevel, 'medium');
  assert.equal(combineWithAnomaly(rising, 'temp', 0.4).riskLevel, 'high');
});
