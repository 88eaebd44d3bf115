import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliberateLabels, trainingDevices } from './run-outcome.js';
import type { RunSample } from './thermal-samples.js';

const given = ['normal', 'Hot-Spot', 'normal', 'anomalous', 'Cell', 'normal'];

test('inverted labels make every fault class normal and every normal sample anomalous', () => {
  assert.deepEqual(deliberateLabels([...given], { shuffleLabels: false, invertLabels: true, splitSeed: 1 }), ['anomalous', 'normal', 'anomalous', 'normal', 'normal', 'anomalous']);
});

test('shuffled labels keep the label counts, move labels, and are the same for the same seed', () => {
  const job = { shuffleLabels: true, invertLabels: false, splitSeed: 3 };
  const many = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 'anomalous' : 'normal'));
  const shuffled = deliberateLabels([...many], job);
  assert.deepEqual([...shuffled].sort(), [...many].sort());
  assert.notDeepEqual(shuffled, many);
  assert.deepEqual(deliberateLabels([...many], job), shuffled);
});

test('labels stay as given for an ordinary run', () => {
  assert.deepEqual(deliberateLabels([...given], { shuffleLabels: false, invertLabels: false, splitSeed: 1 }), given);
});

test('a run restricted to some devices trains on their samples only; without a restriction on all', () => {
  const item = (id: number, device: string | null): { sample: RunSample } => ({ sample: { id, sha256: 'x'.repeat(64), label: 'normal', faultClass: null, device, format: 'wav', channel: null } });
  const train = [item(1, 'mimii/valve-mic0'), item(2, 'mimii/fan-mic0'), item(3, null), item(4, 'mimii/valve-mic1')];
  assert.deepEqual(trainingDevices(train, { trainDevices: ['mimii/valve-mic0', 'mimii/valve-mic1'] }).map((d) => d.sample.id), [1, 4]);
  assert.deepEqual(trainingDevices(train, {}).map((d) => d.sample.id), [1, 2, 3, 4]);
});
