import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { fitLstm } from './fit-lstm.js';
import { LstmNetwork } from './lstm-network.js';

function data(count: number, random: SeededRandom) {
  // Target: half the sum of the window's inputs, learnable by the network.
  const x = Float32Array.from({ length: count * 8 }, () => random.next() * 2 - 1);
  const y = Float32Array.from({ length: count * 2 }, (_, i) => {
    const w = Math.floor(i / 2);
    let sum = 0;
    for (let k = 0; k < 8; k++) sum += x[w * 8 + k]!;
    return 0.5 * sum;
  });
  return { x, y, count };
}

test('training lowers the validation MAE, keeps the best epoch and lets the event loop run between batches', async () => {
  const random = new SeededRandom(4);
  const net = LstmNetwork.initialise({ sequenceLength: 8, features: 1, units: 8, horizon: 2 }, random);
  const train = data(256, random);
  const validation = data(64, random);
  const start = net.predict(validation.x, validation.count).reduce((a, v, i) => a + Math.abs(v - validation.y[i]!), 0) / (validation.count * 2);
  let ticks = 0;
  let running = true;
  const tick = () => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await fitLstm(net, train, validation, { epochs: 10, batchSize: 32, learningRate: 0.01, patience: 10, random, yieldEveryMs: 0 });
  running = false;
  const end = net.predict(validation.x, validation.count).reduce((a, v, i) => a + Math.abs(v - validation.y[i]!), 0) / (validation.count * 2);
  assert.ok(result.bestValidationLoss < 0.7 * start, `validation MAE ${start} → ${result.bestValidationLoss}`);
  assert.ok(Math.abs(end - result.bestValidationLoss) < 1e-3, `restored weights give ${end}, best was ${result.bestValidationLoss}`);
  // 10 epochs × 8 batches, a yield after each: other callbacks ran in between.
  assert.ok(ticks >= 70, `event-loop turns during training: ${ticks}`);
});
