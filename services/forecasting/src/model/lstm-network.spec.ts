import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { LstmNetwork } from './lstm-network.js';

test('the hand-written backpropagation through time matches finite differences of the MAE', () => {
  const shape = { sequenceLength: 5, features: 2, units: 3, horizon: 2 };
  const random = new SeededRandom(7);
  const net = LstmNetwork.initialise(shape, random);
  for (let i = 0; i < net.params.length; i++) net.params[i]! += 0.3 * (random.next() - 0.5);
  const count = 4;
  const x = Float64Array.from({ length: count * 5 * 2 }, () => random.next() * 2 - 1);
  const y = Float64Array.from({ length: count * 2 }, () => random.next() * 4 - 2);
  const rows = [0, 1, 2, 3];
  const grad = new Float64Array(net.params.length);
  net.maeGradient(x, y, rows, grad);
  const eps = 1e-6;
  let worst = 0;
  for (let k = 0; k < net.params.length; k++) {
    const keep = net.params[k]!;
    net.params[k] = keep + eps;
    const up = net.maeGradient(x, y, rows, new Float64Array(net.params.length));
    net.params[k] = keep - eps;
    const down = net.maeGradient(x, y, rows, new Float64Array(net.params.length));
    net.params[k] = keep;
    worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - grad[k]!));
  }
  assert.ok(worst < 1e-6, `largest gradient error ${worst}`);
});

test('the recurrent kernel starts orthonormal and the forget gate open', () => {
  const net = LstmNetwork.initialise({ sequenceLength: 3, features: 1, units: 4, horizon: 1 }, new SeededRandom(3));
  const lstm = net.toDescription().layers[0]!;
  assert.ok(lstm.kind === 'lstm');
  const r = lstm.recurrentKernel;
  for (let a = 0; a < 4; a++)
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let j = 0; j < 16; j++) dot += r[a * 16 + j]! * r[b * 16 + j]!;
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-5);
    }
  assert.deepEqual(Array.from(lstm.bias!.subarray(4, 8)), [1, 1, 1, 1]);
});
