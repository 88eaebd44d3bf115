// The embedded platform as an operator runs it (a child process on a temp data folder): one
// owner per data folder, ports checked before the folder is opened, an honest clean stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { STARTED, countReadings, startPlatform, storedSoFar, tempDataFolder, waitForStored } from './support/embedded-platform-process.js';

async function takenPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('a second instance on the same folder is refused before it opens anything; the first runs on and stops cleanly', { timeout: 600_000 }, async (t) => {
  const dir = await tempDataFolder(t);
  const first = startPlatform(dir);
  t.after(() => first.kill('SIGKILL').then(() => undefined));
  const [, httpUrl] = await first.waitFor(STARTED);
  await waitForStored(first, 1);

  // The sequence of the issue: both ports set to 0 so nothing but the folder is shared.
  const second = startPlatform(dir);
  const refused = await second.exited;
  assert.equal(refused.code, 1, second.output);
  assert.match(second.stderr, new RegExp(`data folder ${dir.replaceAll('/', '\\/')} is in use by another Premonitor \\(pid ${first.pid} on host`));
  assert.match(second.stderr, /serving HTTP http:\/\/127\.0\.0\.1:\d+, MQTT mqtt:\/\/127\.0\.0\.1:\d+/);
  assert.ok(!existsSync(join(dir, 'pg.init')), 'the refused instance created a database');

  // A taken port on another folder: refused before that folder's database exists.
  const port = await takenPort();
  t.after(() => port.close());
  const otherDir = await tempDataFolder(t);
  const third = startPlatform(otherDir, { MQTT_PORT: String(port.port) });
  assert.equal((await third.exited).code, 1);
  assert.match(third.stderr, new RegExp(`MQTT port ${port.port} on 127\\.0\\.0\\.1 is already in use`));
  assert.ok(!existsSync(join(otherDir, 'pg')) && !existsSync(join(otherDir, 'pg.init')), 'the database was opened before the port check');
  assert.ok(!existsSync(join(otherDir, 'premonitor.lock')), 'the refused start left its lock behind');

  // The first one is unharmed: still storing, still answering.
  const before = storedSoFar(first);
  await waitForStored(first, before + 50);
  assert.equal((await fetch(`${httpUrl}/healthz`)).status, 200);

  const stopped = await first.kill('SIGINT');
  assert.equal(stopped.code, 0, first.output);
  assert.match(first.stdout, /stopped cleanly; data kept for the next start\./);
  assert.doesNotMatch(first.output, /did not stop cleanly|component did not stop/);
  assert.ok(!existsSync(join(dir, 'premonitor.lock')), 'a clean stop releases the lock');
  assert.ok((await countReadings(dir)) >= storedSoFar(first));
});

