import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalOperatingLimits, quantileOfSorted } from './operating-limits.js';

const rule = { quantile: 0.005, iqrMargin: 1.5 };

test('quantiles interpolate between order statistics', () => {
  assert.equal(quantileOfSorted([10, 20, 30, 40, 50], 0.5), 30);
  assert.equal(quantileOfSorted([10, 20, 30, 40, 50], 0.1), 14);
  assert.equal(quantileOfSorted([10, 20], 1), 20);
});

test('a sensor with routine hourly spikes to 100 gets a high limit above the spikes and a low limit just below its floor', () => {
  // A CPU idling at 30–34 % that hits 100 % once every 12 samples, like NAB cpu_utilization.
  const values = Array.from({ length: 2400 }, (_, i) => (i % 12 === 0 ? 100 : 30 + 4 * ((i * 7919) % 101) / 100));
  const limits = normalOperatingLimits(values, rule, 13);
  assert.ok(limits.high > 100, `high ${limits.high} must lie above the routine spikes`);
  // IQR ≈ 2 (the idle band), so the low limit sits ~3 below the idle floor of 30, not 4σ (−16) away.
  assert.ok(limits.low > 25 && limits.low < 30, `low ${limits.low}`);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(mean + 3 * std < 100, 'the old mean + 3σ rule would sit below the spikes');
});

test('a few wild readings in the training span do not move the limits', () => {
  const clean = Array.from({ length: 2000 }, (_, i) => 50 + Math.sin(i / 10));
  const dirty = [...clean];
  for (let i = 0; i < 8; i++) dirty[i * 250] = 1e6;
  const a = normalOperatingLimits(clean, rule, 1);
  const b = normalOperatingLimits(dirty, rule, 1);
  assert.ok(Math.abs(a.high - b.high) < 0.05 && Math.abs(a.low - b.low) < 0.05, JSON.stringify({ a, b }));
});

test('a quantised sensor with no spread in its middle half still gets limits off its normal value, and missing values are ignored', () => {
  const mostlyFlat = Array.from({ length: 1000 }, (_, i) => (i % 100 === 0 ? 2 : i % 101 === 0 ? 0 : 1));
  const spread = normalOperatingLimits([...mostlyFlat, Number.NaN], rule, 0.3);
  assert.ok(spread.low < 0 && spread.high > 2, JSON.stringify(spread));
  const constant = normalOperatingLimits(Array.from({ length: 100 }, () => 5), rule, 1);
  assert.deepEqual(constant, { low: 3.5, high: 6.5 });
  assert.throws(() => normalOperatingLimits([Number.NaN], rule, 1), /at least one finite value/);
});
