import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessFailureRisk, type RiskStep } from './failure-risk.js';

/** A straight-line forecast from `from` by `slope` per hour, hourly steps, ±`half` intervals. */
function line(from: number, slope: number, half: number, n = 12): RiskStep[] {
  return Array.from({ length: n }, (_, i) => {
    const y = from + slope * (i + 1);
    return { hoursAhead: i + 1, predicted: y, lower: y - half, upper: y + half };
  });
}


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

test('the marginal rule scores the exceedance probability: a final step whose mean sits on the limit scores 50', () => {
  const steps = line(60, 0, 1.6448536 * 2);
  steps[11] = { hoursAhead: 12, predicted: 70, lower: 70 - 1.6448536 * 2, upper: 70 + 1.6448536 * 2 };
  const r = assessFailureRisk({ sensorKey: 'p', lastValue: 60, steps, limits: { high: 70 }, intervalLevel: 0.9, crossing: 'marginal' });
  assert.equal(r.riskScore, 50);
  assert.equal(r.riskLevel, 'medium');
  assert.equal(r.timeToFailureHours, 12);
  // Touching the limit by step 12 is likelier than ending beyond it: 0.5 + e^50·Φ(−10) = 0.5395.
  assert.equal(assessFailureRisk({ sensorKey: 'p', lastValue: 60, steps, limits: { high: 70 }, intervalLevel: 0.9 }).riskScore, 54);
});

test('the first-passage rule warns while the forecast is still short of the limit, where the marginal rule says low or medium', async () => {
  // Flat at 70 with σ = 5 per step (90 % half-width 8.22): the limit 75 is 1σ away at every step.
  const steps = line(70, 0, 1.6448536 * 5);
  const marginal = assessFailureRisk({ sensorKey: 'temp', lastValue: 70, steps, limits: { high: 75 }, intervalLevel: 0.9, crossing: 'marginal' });
  const touching = assessFailureRisk({ sensorKey: 'temp', lastValue: 70, steps, limits: { high: 75 }, intervalLevel: 0.9 });
  assert.equal(marginal.riskScore, 15.9);
  assert.equal(marginal.riskLevel, 'low');
  // No drift: the reflection principle doubles it, 2·(1 − Φ(1)).
  assert.equal(touching.riskScore, 31.7);
  assert.equal(touching.riskLevel, 'medium');
  // Drifting toward the limit by half a sigma: high before the point forecast reaches 75.
  const drifting = line(70, 2.5 / 12, 1.6448536 * 5);
  const r = assessFailureRisk({ sensorKey: 'temp', lastValue: 70, steps: drifting, limits: { high: 75 }, intervalLevel: 0.9 });
  assert.ok(drifting[11]!.predicted < 75);
  // Φ(−0.5) + e·Φ(−1.5) = 0.49 against Φ(−0.5) = 0.31 for ending beyond it.
  assert.equal(r.riskScore, 49);
  assert.equal(r.riskLevel, 'medium');
  const closer = assessFailureRisk({ sensorKey: 'temp', lastValue: 72, steps: line(72, 2.5 / 12, 1.6448536 * 5), limits: { high: 75 }, intervalLevel: 0.9 });
  assert.equal(closer.riskLevel, 'high');
  assert.equal(closer.timeToFailureHours, 14.4);
  // Flat 0.3σ below the limit: 2·Φ(−0.3) = 0.76, high with no time to the limit (the forecast never gets there).
  const hovering = assessFailureRisk({ sensorKey: 'temp', lastValue: 73.5, steps: line(73.5, 0, 1.6448536 * 5), limits: { high: 75 }, intervalLevel: 0.9 });
  assert.equal(hovering.riskScore, 76.4);
  assert.equal(hovering.timeToFailureHours, null);
  assert.match(hovering.recommendedAction, /Schedule maintenance soon: temp is likely to reach its high limit 75 within the forecast horizon/);
  // The maintenance schedule lists it as high, with no date to pin on a crossing the forecast does not show.
  const { buildMaintenanceSchedule } = await import('../maintenance-schedule.js');
  const record = { deviceId: 'site/dev', sensorKey: 'temp' } as Parameters<typeof buildMaintenanceSchedule>[0][number]['record'];
  const [item] = buildMaintenanceSchedule([{ record, risk: hovering } as Parameters<typeof buildMaintenanceSchedule>[0][number]], 7, Date.UTC(2024, 0, 1));
  assert.equal(item!.priority_label, 'high');
  assert.equal(item!.suggested_date, null);
  assert.match(item!.recommended_action, /Schedule maintenance soon/);
  // The marginal rule waits for the point forecast: Φ(−0.1) = 0.46, medium.
  assert.equal(assessFailureRisk({ sensorKey: 'temp', lastValue: 72, steps: line(72, 2.5 / 12, 1.6448536 * 5), limits: { high: 75 }, intervalLevel: 0.9, crossing: 'marginal' }).riskLevel, 'medium');
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
  // 1 s steps, 12 s horizon: the forecast creeps toward 80 and its intervals keep 80 out of
  // reach within the 12 s (score < 30), yet the trend reaches it about 72 s from now.
  const steps = Array.from({ length: 12 }, (_, i) => {
    const y = 70 + 0.125 * (i + 1);
    return { hoursAhead: (i + 1) / 3600, predicted: y, lower: y - 5, upper: y + 5 };
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
