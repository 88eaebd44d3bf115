// The embedded platform killed mid-write, again and again: its folder opens every time, keeps
// what was stored, and the dead owner's lock is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeProcess } from './support/node-process.js';
import { STARTED, TAKEOVER, countReadings, startPlatform, tempDataFolder, waitForStored } from './support/embedded-platform-process.js';

test('a folder killed while creating its database, then twice mid-write, opens every time, keeps what was stored, and the dead owner\'s lock is taken over', { timeout: 900_000 }, async (t) => {
  const dir = await tempDataFolder(t);
  const running = new Set<NodeProcess>();
  t.after(async () => {
    for (const p of running) await p.kill('SIGKILL');
  });

  // Killed in its very first start while PGlite creates the database (initdb): a folder in that
  // state used to abort every later open.
  const firstEver = startPlatform(dir, {}, { initdb: true });
  running.add(firstEver);
  // PG_VERSION is among the first files initdb writes (in `pg.init`, renamed to `pg` when done).
  const initdbBegun = () => ['pg', 'pg.init'].some((d) => existsSync(join(dir, d, 'PG_VERSION')));
  assert.ok(await pollUntil(() => initdbBegun() || STARTED.test(firstEver.output), 120_000), 'the first start never began its database');
  await firstEver.kill('SIGKILL');
  running.delete(firstEver);
  assert.doesNotMatch(firstEver.output, STARTED, 'the first start completed before it could be killed while creating its database');

  let stored = 0;
  // Then killed twice while writing telemetry.
  for (let round = 1; round <= 2; round++) {
    const p = startPlatform(dir);
    running.add(p);
    await p.waitFor(STARTED);
    // Each start finds the lock of the process killed before it.
    assert.match(p.stderr, TAKEOVER, `round ${round}`);
    const atStart = await waitForStored(p, 0);
    assert.ok(atStart >= stored, `round ${round}: ${atStart} readings after restart, ${stored} were stored before the kill`);
    stored = await waitForStored(p, atStart + 100);
    await p.kill('SIGKILL');
    running.delete(p);
  }
  // The last kill is recovered by opening the folder directly: the database replays its log.
  assert.ok((await countReadings(dir)) >= stored);
});

/** Polls `check` every 20 ms; resolves true once it holds, false after `timeoutMs`. */
async function pollUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
