import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { repoRoot } from '@premonitor/testkit';
import { findHandSpelled } from './support/hand-spelled-topics.js';

/** Every non-spec TypeScript source under `dir`. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(path)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

test('the scanner flags hand-spelled subjects, topics and filters, in strings and templates, and nothing else', () => {
  const bad = [
    "const a = 'pm.scores.*';",
    'const b = `pm.frames.${kind}.>`;',
    'const c = `pm.telemetry.${site}.*`;',
    "const d = 'premonitor/v1/+/+/telemetry';",
    'const e = `${root}/+/+/status`;',
    'const f = `${root}/${ref.site}/${ref.device}/command/heartbeat`;',
    'const g = `${base}/model/+`;',
    "const h = `${x}` + '/command/#';",
  ];
  for (const line of bad) assert.equal(findHandSpelled('bad.ts', line).length, 1, line);
  const fine = [
    "// pm.scores.* and premonitor/v1/{site}/{device}/command/heartbeat in a comment",
    '/** `pm.frames.{kind}.{site}.{device}` */ const x = 1;',
    "router.get('/status', handler);",
    'router.get(`/inference/${kind}/model`, handler);',
    "const url = 'https://hooks.example.com/api/v1/status';",
    'const s = `${a}.${b}`;',
    "const m = 'npm.scores';",
  ];
  for (const line of fine) assert.deepEqual(findHandSpelled('fine.ts', line), [], line);
});

test('no service or shared library spells an MQTT topic or bus subject by hand: they come from @premonitor/contracts', async () => {
  const root = repoRoot();
  const dirs = [...(await readdir(join(root, 'services'))).map((s) => join(root, 'services', s, 'src')), ...(await readdir(join(root, 'libs'))).filter((l) => l !== 'contracts').map((l) => join(root, 'libs', l, 'src'))];
  const offences: string[] = [];
  let scanned = 0;
  for (const dir of dirs) {
    const files = await sources(dir).catch(() => []);
    scanned += files.length;
    for (const file of files) {
      for (const f of findHandSpelled(file, await readFile(file, 'utf8'))) offences.push(`${relative(root, file)}:${f.line} '${f.text}': ${f.why}`);
    }
  }
  assert.ok(scanned > 100, `scanned only ${scanned} files`);
  assert.deepEqual(offences, []);
});
