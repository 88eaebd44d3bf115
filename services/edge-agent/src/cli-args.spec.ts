import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliUsageError, USAGE, parseEdgeCommand } from './cli-args.js';
import { agentConfigShape, replayConfigShape, simulateConfigShape } from './config.js';

test('parses each command, and no command as the environment-chosen mode of before', () => {
  assert.deepEqual(parseEdgeCommand(['run']), { command: 'run' });
  assert.deepEqual(parseEdgeCommand(['simulate']), { command: 'simulate' });
  assert.deepEqual(parseEdgeCommand(['replay', 'data/pump.csv']), { command: 'replay', csv: 'data/pump.csv' });
  assert.deepEqual(parseEdgeCommand(['replay']), { command: 'replay', csv: undefined });
  assert.deepEqual(parseEdgeCommand([]), { command: 'from-env' });
});

test('--help, -h and help win over anything else on the line', () => {
  for (const argv of [['--help'], ['-h'], ['help'], ['run', '--help'], ['bogus', '-h']]) assert.deepEqual(parseEdgeCommand(argv), { command: 'help' });
});

test('rejects an unknown command, an unknown flag and stray arguments, naming them', () => {
  const cases: [string[], RegExp][] = [
    [['start'], /unknown command 'start'/],
    [['run', '--device', 'x'], /unknown option '--device'/],
    [['simulate', 'extra'], /takes no arguments; got 'extra'/],
    [['replay', 'a.csv', 'b.csv'], /takes one CSV file/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseEdgeCommand(argv), (err: unknown) => err instanceof CliUsageError && message.test(err.message));
});

test('the usage names every environment variable each command reads', () => {
  for (const name of Object.keys({ ...agentConfigShape, ...simulateConfigShape, ...replayConfigShape })) assert.match(USAGE, new RegExp(`\\b${name}\\b`), name);
});
