#!/usr/bin/env node
// Runs every compiled test with node's test runner: unit specs beside the code
// (libs/*/dist, services/*/dist: *.spec.js; the fault suite's harness, test/faults/dist: *.spec.js)
// and integration tests (test/dist: *.test.js). The fault cases themselves run with `npm run test:faults`.
// Optional arguments filter by substring of the path: `npm test -- bus db`.
import { readdirSync, statSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(spec|test)\.js$/.test(name)) out.push(path);
  }
  return out;
}

const files = [];
for (const group of ['libs', 'services']) {
  for (const pkg of readdirSync(join(root, group))) walk(join(root, group, pkg, 'dist'), files);
}
walk(join(root, 'test', 'dist'), files);
walk(join(root, 'test', 'faults', 'dist'), files);
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
// One initdb for the whole run: every test's new PGlite database is a copy of this empty one
// (test/support/pglite-template.ts). initdb is PostgreSQL's bootstrap in WASM, 5–50 s per
// database depending on load, and some forty test files each make one or more.
// Only the integration tests (test/) open PGlite: a run of unit specs alone skips it.
const env = { ...process.env };
if (selected.some((f) => f.startsWith('test/'))) {
  const templateRoot = mkdtempSync(join(tmpdir(), 'pm-pglite-template-'));
  const { PGlite } = await import('@electric-sql/pglite');
  await (await PGlite.create(join(templateRoot, 'pg'))).close();
  process.on('exit', () => rmSync(templateRoot, { recursive: true, force: true }));
  env.PGLITE_TEMPLATE_DIR = join(templateRoot, 'pg');
}

// The timeout is a guard against a hung file, not an assertion: node applies it to each file as a
// whole, and the integration files that start the platform or restart brokers took 90–130 s on
// a loaded 2-core host (load average ~30), so 120 s failed them for the machine's speed alone.
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...selected], {
  cwd: root,
  stdio: 'inherit',
  env,
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
