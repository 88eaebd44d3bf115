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
  assert.equal(falling.riskLevel, 'low');
  assert.equal(falling.timeToFailureHours, 20);
  const outside = assessFailureRisk({ sensorKey: 'p', lastValue: 4, steps: line(4, 0, 0.1), limits: { low: 5 }, intervalLevel: 0.9 });
  assert.equal(outside.riskScore, 100);
  assert.equal(outside.timeToFailureHours, 0);
  assert.match(outside.recommendedAction, /Inspect now/);
});
