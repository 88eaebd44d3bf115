import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { calibrateHalfWidths, conformalQuantile, heldOutCoverage, intervalCoverage } from './intervals.js';

test('the conformal quantile is the ⌈(n+1)·level⌉-th smallest absolute residual', () => {
  const r = Array.from({ length: 9 }, (_, i) => i + 1);
  assert.equal(conformalQuantile(r, 0.9), 9);
  assert.equal(conformalQuantile(r, 0.5), 5);
  assert.equal(conformalQuantile([], 0.9), Number.POSITIVE_INFINITY);
});

test('half-widths calibrated on residuals hold about 90 % of new residuals from the same distribution', () => {
  const random = new SeededRandom(7);
  const gauss = () => random.gaussian();
  const calib = [Array.from({ length: 2000 }, gauss), Array.from({ length: 2000 }, () => 3 * gauss())];
  const [q1, q3] = calibrateHalfWidths(calib, 0.9);
  assert.ok(q1! > 1.5 && q1! < 1.8, `q1 ${q1}`);
  assert.ok(q3! > 4.5 && q3! < 5.4, `wider for the noisier step: ${q3}`);
  const fresh = Array.from({ length: 2000 }, gauss);
  const cov = intervalCoverage(fresh, fresh.map(() => -q1!), fresh.map(() => q1!));
  assert.ok(Math.abs(cov - 0.9) < 0.03, `coverage ${cov}`);
  assert.ok(Math.abs(heldOutCoverage(calib, 0.9) - 0.9) < 0.03);
});
