import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainCommand } from './cli-args.js';
import { CliUsageError } from './training-errors.js';

test('parses the model kind and flags with defaults for the rest', () => {
  assert.deepEqual(parseTrainCommand(['acoustic']), { kind: 'acoustic', quick: false, outDir: 'models', register: false, pgliteDir: undefined, architecture: 'gaussian', size: { width: 32, height: 24 }, dataDir: undefined, seeds: [1] });
  assert.deepEqual(parseTrainCommand(['thermal', '--quick', '--out', '/tmp/m', '--register', '--pglite', '/tmp/pg']), {
    kind: 'thermal', quick: true, outDir: '/tmp/m', register: true, pgliteDir: '/tmp/pg', architecture: 'gaussian', size: { width: 32, height: 24 }, dataDir: undefined, seeds: [1],
  });
  const ir = parseTrainCommand(['thermal-ir', '--data', '/data/thermal-ir', '--seeds', '1,2,3']);
  assert.deepEqual([ir.kind, ir.dataDir, ir.seeds], ['thermal-ir', '/data/thermal-ir', [1, 2, 3]]);
  assert.deepEqual(parseTrainCommand(['thermal', '--size', '80x60']).size, { width: 80, height: 60 });
  assert.equal(parseTrainCommand(['acoustic', '--arch', 'autoencoder']).architecture, 'autoencoder');
  assert.equal(parseTrainCommand(['telemetry', '--quick']).kind, 'telemetry');
  const vibration = parseTrainCommand(['vibration', '--data', '/data/fan']);
  assert.deepEqual([vibration.kind, vibration.dataDir], ['vibration', '/data/fan']);
});

test('rejects an unknown model, an unknown option and a flag missing its value, with the usage line', () => {
  for (const argv of [[], ['lidar'], ['acoustic', '--fast'], ['acoustic', '--out'], ['acoustic', '--arch', 'transformer'], ['thermal', '--size', '81x60'], ['thermal-ir', '--seeds', '1,1'], ['thermal-ir', '--seeds', '1,x']]) {
    assert.throws(() => parseTrainCommand(argv), (err: unknown) => err instanceof CliUsageError && err.message.includes('usage: npm run train'));
  }
});

test('takes the per-device threshold target as a pair of positive numbers', () => {
  assert.deepEqual(parseTrainCommand(['acoustic', '--false-alarms-per-day', '2', '--frames-per-day', '86400']).threshold, { falseAlarmsPerDay: 2, framesPerDay: 86400 });
  assert.throws(() => parseTrainCommand(['acoustic', '--false-alarms-per-day', '2']), /go together/);
  assert.throws(() => parseTrainCommand(['acoustic', '--false-alarms-per-day', '-1', '--frames-per-day', '10']), /positive number/);
  assert.throws(() => parseTrainCommand(['acoustic', '--false-alarms-per-day', '20', '--frames-per-day', '10']), /below/);
});
