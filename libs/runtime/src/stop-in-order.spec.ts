import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShutdownError, stopInOrder, type StopStep } from './stop-in-order.js';

const never = () => new Promise<void>(() => undefined);

function recorder() {
  const stopped: string[] = [];
  const step = (name: string, stop: () => Promise<void> = async () => undefined): StopStep => ({
    name,
    stop: async () => {
      await stop();
      stopped.push(name);
    },
  });
  return { stopped, step };
}

test('stops every step in order and resolves when all stopped cleanly', async () => {
  const { stopped, step } = recorder();
  await stopInOrder([step('ingest'), step('http'), step('database')], { timeoutMs: 5_000 });
  assert.deepEqual(stopped, ['ingest', 'http', 'database']);
});

test('a stop() that throws is named in the ShutdownError, and the steps after it still run', async () => {
  const { stopped, step } = recorder();
  const err = await stopInOrder(
    [step('ingest'), step('broker', () => Promise.reject(new Error('socket hang up'))), step('database')],
    { timeoutMs: 5_000 },
  ).then(
    () => assert.fail('expected a ShutdownError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ShutdownError);
  assert.deepEqual(err.failures.map((f) => [f.component, f.outcome]), [['broker', 'failed']]);
  assert.match(err.message, /broker failed \(socket hang up\)/);
  assert.deepEqual(stopped, ['ingest', 'database']);
});

test('a stop() that never returns times out at its step limit and the database still closes', async () => {
  const { stopped, step } = recorder();
  const seen: string[] = [];
  const err = await stopInOrder([step('ingest', never), step('database')], { timeoutMs: 60_000, stepTimeoutMs: 20, onStep: (n) => seen.push(n) }).then(
    () => assert.fail('expected a ShutdownError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ShutdownError);
  assert.deepEqual(err.failures.map((f) => [f.component, f.outcome]), [['ingest', 'timed out']]);
  assert.deepEqual(stopped, ['database']);
  assert.deepEqual(seen, ['ingest', 'database']);
});

test('once the overall deadline passed the remaining steps are skipped and reported', async () => {
  const { stopped, step } = recorder();
  const err = await stopInOrder([step('a', never), step('b'), step('c')], { timeoutMs: 20, stepTimeoutMs: 1_000 }).then(
    () => assert.fail('expected a ShutdownError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ShutdownError);
  assert.deepEqual(err.failures.map((f) => [f.component, f.outcome]), [['a', 'timed out'], ['b', 'skipped'], ['c', 'skipped']]);
  assert.deepEqual(stopped, []);
});

test('a stop() that throws synchronously is a failure, not a crash', async () => {
  const err = await stopInOrder(
    [{ name: 'bad', stop: () => { throw new Error('boom'); } }],
    { timeoutMs: 1_000 },
  ).then(
    () => assert.fail('expected a ShutdownError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ShutdownError);
  assert.equal(err.failures[0]?.outcome, 'failed');
});
