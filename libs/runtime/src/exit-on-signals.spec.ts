import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitOnSignals } from './exit-on-signals.js';
import { ShutdownError } from './stop-in-order.js';

/** A host whose exit is recorded; resolves `exited` with the first exit code. */
function host(stop: (budgetMs: number) => Promise<void>, timeoutMs = 5_000) {
  const lines: Array<[string, boolean]> = [];
  const codes: number[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const handle = exitOnSignals({
    stop,
    timeoutMs,
    signals: ['SIGUSR2'],
    report: (line, failed) => lines.push([line, failed]),
    stopping: () => 'ingest',
    exit: (code) => {
      codes.push(code);
      resolveExit(code);
    },
  });
  return { lines, codes, exited, handle };
}

test('a clean drain exits 0 and says so', async () => {
  let budget = 0;
  const h = host(async (b) => void (budget = b));
  process.emit('SIGUSR2');
  assert.equal(await h.exited, 0);
  assert.equal(budget, 5_000);
  assert.deepEqual(h.lines.at(-1), ['stopped cleanly.', false]);
  h.handle.dispose();
});

test('a failed close exits 1 and names the component, never "stopped cleanly"', async () => {
  const h = host(() => Promise.reject(new ShutdownError([{ component: 'database', outcome: 'failed', error: new Error('Aborted()') }])));
  process.emit('SIGUSR2');
  assert.equal(await h.exited, 1);
  const text = h.lines.map(([l]) => l).join('\n');
  assert.match(text, /database failed \(Aborted\(\)\)/);
  assert.doesNotMatch(text, /stopped cleanly/);
  assert.equal(h.lines.at(-1)?.[1], true);
  h.handle.dispose();
});

test('a drain that never settles is ended by the hard deadline with code 1, naming what was stopping', async () => {
  const h = host(() => new Promise<void>(() => undefined), 10);
  // The hard timer fires 1 s after the budget.
  process.emit('SIGUSR2');
  assert.equal(await h.exited, 1);
  assert.match(h.lines.at(-1)?.[0] ?? '', /did not finish within 10 ms \(still stopping: ingest\)/);
  h.handle.dispose();
});

test('a second signal exits at once', async () => {
  const h = host(() => new Promise<void>(() => undefined), 60_000);
  process.emit('SIGUSR2');
  process.emit('SIGUSR2');
  assert.equal(await h.exited, 128);
  assert.match(h.lines.at(-1)?.[0] ?? '', /second SIGUSR2: exiting at once/);
  h.handle.dispose();
});
