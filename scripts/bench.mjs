#!/usr/bin/env node
// Runs one benchmark: `node scripts/bench.mjs <name> [args]` starts bench/dist/<name>.js with
// the remaining arguments (npm run bench -- ingest --mode embedded builds first, then lands here).
// An unknown or missing name lists the benches that exist and exits with 2.
import { existsSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../bench/dist/', import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = existsSync(dist)
  ? readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];

if (!name || !available.includes(name)) {
  if (name) console.error(`unknown bench '${name}'`);
  console.error(`usage: node scripts/bench.mjs <name> [args]   (npm run bench -- <name> [args])`);
  console.error(available.length ? `available benches: ${available.join(', ')}` : 'no benches built: run `npx tsc -b bench` first');
  process.exit(2);
}

// A child process rather than an import, so the bench owns its process (signals, exit code, --cpu-prof).
const child = spawn(process.execPath, [...process.execArgv, join(dist, `${name}.js`), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
