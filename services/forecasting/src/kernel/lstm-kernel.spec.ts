import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { LstmNetwork, type LstmShape } from '../model/lstm-network.js';
import { compileLstmKernel } from './compile-lstm-kernel.js';
import { LstmKernel } from './lstm-kernel.js';
import { LSTM_KERNEL_WASM_BASE64 } from './lstm-kernel-wasm.js';

// The float64 network is gradient-checked against finite differences (lstm-network.spec.ts);
// the kernel must agree with it to float32 precision.
function setUp(shape: LstmShape, count: number, seed: number) {
  const random = new SeededRandom(seed);
  const net = LstmNetwork.initialise(shape, random);
  for (let i = 0; i < net.params.length; i++) net.params[i]! += 0.3 * (random.next() - 0.5);
  const x = Float32Array.from({ length: count * shape.sequenceLength * shape.features }, () => random.next() * 2 - 1);
  const y = Float32Array.from({ length: count * shape.horizon }, () => random.next() * 4 - 2);
  const kernel = new LstmKernel(shape);
  kernel.setParams(net.params);
  return { net, x, y, kernel, windows: kernel.upload(x, y, count) };
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

for (const shape of [
  { sequenceLength: 6, features: 2, units: 3, horizon: 2 },
  { sequenceLength: 30, features: 3, units: 32, horizon: 12 },
]) {
  test(`the WebAssembly kernel's loss, gradient and outputs match the float64 network (${shape.units} units, padded to a multiple of 4 inside)`, () => {
    const count = 9;
    const { net, x, y, kernel, windows } = setUp(shape, count, 11);
    const rows = [4, 0, 7, 7, 2];
    const reference = new Float64Array(net.params.length);
    const referenceLoss = net.maeGradient(x, y, rows, reference);
    const loss = kernel.maeGradient(windows, rows);
    const gradient = kernel.gradient();
    assert.equal(gradient.length, reference.length);
    assert.ok(Math.abs(loss - referenceLoss) < 1e-5 * Math.max(1, referenceLoss), `loss ${loss} vs ${referenceLoss}`);
    const gradError = maxDiff(gradient, reference) / maxAbs(reference);
    assert.ok(gradError < 1e-4, `largest gradient error ${gradError} of the largest component`);
    const outError = maxDiff(kernel.predict(windows), net.predict(x, count));
    assert.ok(outError < 1e-5, `largest output difference ${outError}`);
    assert.deepEqual(Array.from(kernel.params()), Array.from(Float32Array.from(net.params)));
  });
}

test('an Adam step in the kernel moves every parameter as the formula says', () => {
  const shape = { sequenceLength: 4, features: 1, units: 5, horizon: 3 };
  const { net, kernel, windows } = setUp(shape, 6, 5);
  kernel.maeGradient(windows, [0, 1, 2, 3, 4, 5]);
  const g = kernel.gradient();
  const before = kernel.params();
  kernel.adamStep(0.01, 0.9, 0.999, 1e-7);
  const after = kernel.params();
  let worst = 0;
  for (let k = 0; k < g.length; k++) {
    // First step from zero moments: m = 0.1 g, v = 0.001 g², step = lr · m / (√v + ε).
    const expected = before[k]! - (0.01 * 0.1 * g[k]!) / (Math.sqrt(0.001 * g[k]! * g[k]!) + 1e-7);
    worst = Math.max(worst, Math.abs(after[k]! - expected));
  }
  assert.ok(worst < 1e-6, `largest difference ${worst}`);
  assert.ok(maxDiff(after, net.params) > 1e-4, 'the step moved the parameters');
});

test('the committed kernel module is what assembly/lstm-kernel.ts compiles to (run `npm run build:kernel -w services/forecasting`)', async () => {
  const wasm = await compileLstmKernel();
  assert.equal(Buffer.from(wasm).toString('base64'), LSTM_KERNEL_WASM_BASE64);
});
