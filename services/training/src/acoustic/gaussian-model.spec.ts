import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { fitGaussianWhitening } from './gaussian-model.js';

test('the whitening layer maps correlated healthy rows to zero mean and unit covariance', () => {
  const dim = 3;
  const n = 4000;
  const random = new SeededRandom(12345);
  const uniform = (): number => random.uniform(-0.5, 0.5);
  const rows = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const a = uniform();
    const b = uniform();
    const c = uniform();
    // Correlated, offset features.
    rows.set([5 + a, 2 * a + 0.5 * b, -1 + b + 0.3 * c], r * dim);
  }
  const layer = fitGaussianWhitening(rows, dim, { shrinkage: 0 });
  const cov = new Float64Array(dim * dim);
  const mean = new Float64Array(dim);
  const z = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      let s = layer.bias[j]!;
      for (let i = 0; i < dim; i++) s += rows[r * dim + i]! * layer.kernel[i * dim + j]!;
      z[j] = s;
      mean[j]! += s / n;
    }
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b]! += (z[a]! * z[b]!) / n;
  }
  for (let a = 0; a < dim; a++) {
    assert.ok(Math.abs(mean[a]!) < 1e-3, `mean ${mean[a]}`);
    for (let b = 0; b < dim; b++) assert.ok(Math.abs(cov[a * dim + b]! - (a === b ? 1 : 0)) < 1e-2, `cov[${a}][${b}] = ${cov[a * dim + b]}`);
  }
});
