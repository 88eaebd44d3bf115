// npm run test:faults -- [case …] [--seed N] [--concurrency N] [--list]
// Runs the fault, fuzz and hostile-client cases (test/faults/README.md), each in its own
// process group with its own PostgreSQL, NATS and Mosquitto, `--concurrency` at a time; prints
// the table `case | sent | stored | lost | duplicates | dead-lettered` and a JSON line, writes
// them to test/faults/results/, and exits 1 when any check failed.
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PostgresProcess } from '@premonitor/testkit';
import type { CaseResult, FaultCase } from './case.js';
import { CASES } from './cases/index.js';
import { failures, markdownReport, textTable } from './support/results-table.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string' }, concurrency: { type: 'string', default: '2' }, list: { type: 'boolean', default: false } },
});

if (values.list) {
  for (const c of CASES) console.log(`${c.name.padEnd(22)} budget ${String(c.budgetSeconds).padStart(3)} s  ${c.summary}`);
  process.exit(0);
}

const unknown = positionals.filter((p) => !CASES.some((c) => c.name === p));
if (unknown.length > 0) {
  console.error(`unknown case(s): ${unknown.join(', ')}; known: ${CASES.map((c) => c.name).join(', ')}`);
  process.exit(2);
}
const selected = positionals.length ? CASES.filter((c) => positionals.includes(c.name)) : [...CASES];
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const concurrency = Math.max(1, Number(values.concurrency));
if (!Number.isInteger(seed)) {
  console.error('--seed must be an integer');
  process.exit(2);
}

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const caseMain = fileURLToPath(new URL('./case-main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pm-faults-'));
// initdb runs as the `postgres` user when this runs as root: it must be able to enter this folder.
chmodSync(root, 0o711);
const running = new Set<ChildProcess>();

/** Kills every case still running, with everything it started (its process group). */
function killAll(): void {
  for (const child of running) if (child.pid) tryKill(-child.pid, 'SIGKILL');
}
process.on('SIGINT', () => {
  console.error('interrupted: stopping every case');
  for (const child of running) if (child.pid) tryKill(child.pid, 'SIGTERM');
  setTimeout(() => {
    killAll();
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  }, 15_000).unref();
});

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Runs one case in its own process group; stops it after 1.5 × its budget. */
function runCase(c: FaultCase, template: string): Promise<CaseResult> {
  const dir = mkdtempSync(join(root, `${c.name}-`));
  return new Promise<CaseResult>((resolve) => {
    let result: CaseResult | undefined;
    const child = fork(caseMain, [c.name, '--seed', String(seed), '--template', template, '--dir', dir], { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(child);
    child.on('message', (m) => (result = m as CaseResult));
    const limitMs = c.budgetSeconds * 1_500;
    const term = setTimeout(() => child.pid && tryKill(child.pid, 'SIGTERM'), limitMs);
    // The case cleans up on SIGTERM; whatever is left after 30 s goes with the group.
    const kill = setTimeout(() => child.pid && tryKill(-child.pid, 'SIGKILL'), limitMs + 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      running.delete(child);
      // Anything the case left behind in its group (it should have stopped it all).
      if (child.pid) tryKill(-child.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      resolve(result ?? { name: c.name, seed, ok: false, seconds: 0, rows: [], checks: [], notes: [], error: `case process ended (${signal ?? `code ${code}`}) without a result` });
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`fault suite: ${selected.map((c) => c.name).join(', ')}`);
  console.log(`seed ${seed} (replay with --seed ${seed}); ${concurrency} at a time; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  const template = join(root, 'pg-template');
  PostgresProcess.initTemplate(template);
  // Longest first, so the pool ends evenly.
  const queue = [...selected].sort((a, b) => b.budgetSeconds - a.budgetSeconds);
  const results: CaseResult[] = [];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const result = await runCase(c, template);
        console.log(`[${c.name}] ${result.ok ? 'pass' : 'FAIL'} in ${result.seconds} s`);
        results.push(result);
      }
    }),
  );
  rmSync(root, { recursive: true, force: true });
  results.sort((a, b) => selected.indexOf(CASES.find((c) => c.name === a.name)!) - selected.indexOf(CASES.find((c) => c.name === b.name)!));

  const seconds = Math.round((Date.now() - started) / 1000);
  const header = `Fault suite, seed ${seed}, ${new Date().toISOString()}, ${seconds} s, load average at the end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  console.log(`\n${header}\n\n${textTable(results)}\n`);
  console.log(failures(results).join('\n'));
  const json = JSON.stringify({ suite: 'faults', seed, seconds, ok: results.every((r) => r.ok), cases: results.map((r) => ({ name: r.name, ok: r.ok, rows: r.rows, failed: r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`), error: r.error })) });
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(resultsDir, `faults-${stamp}.json`), JSON.stringify({ header, results }, null, 2));
  writeFileSync(join(resultsDir, 'latest.md'), markdownReport(results, header));
  console.log(`\nresults: ${join(resultsDir, 'latest.md')}`);
  console.log(json);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  killAll();
  rmSync(root, { recursive: true, force: true });
  process.exit(1);
});
