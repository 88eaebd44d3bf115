/**
 * Child-process entry of one fault case: `node case-main.js <case> --seed N --template DIR --dir DIR`.
 * The runner starts each case in its own process group, so whatever the case starts
 * (PostgreSQL, NATS, Mosquitto, services) can be stopped with it; the result goes back over IPC.
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '@premonitor/ml/data';
import { Cleanup } from '@premonitor/testkit';
import type { CaseResult } from './case.js';
import { CASES } from './cases/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string' }, template: { type: 'string' }, dir: { type: 'string' } } });
const name = positionals[0] ?? '';
const seed = Number(values.seed);
const started = performance.now();
const cleanup = new Cleanup();
const log = (line: string) => console.log(`[${name}] ${line}`);

function send(result: Omit<CaseResult, 'name' | 'seed' | 'seconds'>): Promise<void> {
  const full: CaseResult = { name, seed, seconds: Math.round((performance.now() - started) / 100) / 10, ...result };
  return new Promise((resolve) => (process.send ? process.send(full, () => resolve()) : (console.log(JSON.stringify(full)), resolve())));
}

async function main(): Promise<void> {
  const fault = CASES.find((c) => c.name === name);
  if (!fault || !values.template || !values.dir || !Number.isInteger(seed)) throw new Error(`usage: case-main.js <case> --seed N --template DIR --dir DIR (case '${name}')`);
  process.once('SIGTERM', () => {
    log('stopped by the runner (time budget); cleaning up');
    void cleanup
      .run()
      .then(() => send({ ok: false, rows: [], checks: [], notes: [], error: `stopped after ${Math.round((performance.now() - started) / 1000)} s (budget ${fault.budgetSeconds} s)` }))
      .finally(() => process.exit(1));
  });
  const outcome = await fault.run({ seed, random: new SeededRandom(seed).fork(name), pgTemplate: values.template, dir: values.dir, cleanup, log });
  await cleanup.run();
  const ok = outcome.checks.length > 0 && outcome.checks.every((c) => c.ok);
  await send({ ok, ...outcome });
}

main()
  .catch(async (err: unknown) => {
    log(`case failed to run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanup.run();
    await send({ ok: false, rows: [], checks: [], notes: [], error: err instanceof Error ? err.message : String(err) });
  })
  .finally(() => process.exit(0));
