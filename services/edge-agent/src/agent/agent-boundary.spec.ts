import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The agent is what ships to a device: it must run without the simulator's code, so nothing in
// agent/ may reach outside its folder for anything but packages.
test('no module of the agent imports the simulator, the commands or the sources wiring', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const offenders: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('.spec.js'))) {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.\.\/[^']+)'/g)) offenders.push(`${file} → ${m[1]}`);
  }
  assert.ok(readdirSync(dir).includes('edge-agent.js'), 'runs against the compiled agent folder');
  assert.deepEqual(offenders, []);
});
