#!/usr/bin/env node
// Runs every compiled test with node's test runner: unit specs beside the code
// (libs/*/dist, services/*/dist: *.spec.js; the fault suite's harness, test/faults/dist: *.spec.js)
// and integration tests (test/dist: *.test.js). The fault cases themselves run with `npm run test:faults`.
// Optional arguments filter by substring of the path: `npm test -- bus db`.
import { readdirSync, statSync, existsSync } from 'node:fs';
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
// The timeout is a guard against a hung file, not an assertion: node applies it to each file as a
// whole, and the integration files that start the platform or restart brokers took 90–130 s on
// a loaded 2-core host (load average ~30), so 120 s failed them for the machine's speed alone.
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...selected], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
