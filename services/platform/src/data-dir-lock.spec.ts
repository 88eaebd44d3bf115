import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@premonitor/log';
import { DataDirLock, DataDirLockedError, LOCK_FILE, type LockHolder } from './data-dir-lock.js';

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ service: 'spec', level: 'warn', destination }), lines };
}

async function withFolder(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pm-lock-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pid that surely does not run any more: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A live process other than this one; `stop` ends it. */
async function livePid(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  return {
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function writeLock(dir: string, holder: Partial<LockHolder>): Promise<void> {
  const full = { host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'previous', ...holder };
  await writeFile(join(dir, LOCK_FILE), JSON.stringify(full));
}

test('takes an empty folder, refuses a second taker naming the holder, and is free again after release', async () => {
  await withFolder(async (dir) => {
    const { logger } = capturingLogger();
    const lock = await DataDirLock.acquire(dir, logger);
    const onDisk = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    assert.equal(onDisk.pid, process.pid);
    await lock.update({ httpUrl: 'http://127.0.0.1:8787', mqttUrl: 'mqtt://127.0.0.1:1885' });
    await assert.rejects(DataDirLock.acquire(dir, logger), (err: unknown) => {
      assert.ok(err instanceof DataDirLockedError);
      assert.match(err.message, new RegExp(`data folder ${dir.replaceAll('/', '\\/')} is in use by another Premonitor \\(pid ${process.pid} on host`));
      assert.match(err.message, /HTTP http:\/\/127\.0\.0\.1:8787, MQTT mqtt:\/\/127\.0\.0\.1:1885/);
      return true;
    });
    await lock.release();
    const again = await DataDirLock.acquire(dir, logger);
    await again.release();
  });
});

test('takes over the lock of a process that no longer runs, with a warning', async () => {
  await withFolder(async (dir) => {
    const pid = await deadPid();
    await writeLock(dir, { pid });
    const { logger, lines } = capturingLogger();
    const lock = await DataDirLock.acquire(dir, logger);
    assert.equal(lock.holder.pid, process.pid);
    const warning = lines.find((l) => l.includes('took over the data folder lock'));
    assert.ok(warning, lines.join(''));
    assert.match(warning, new RegExp(`"previous":\\{"pid":${pid},`));
    await lock.release();
  });
});

test('refuses while the holder runs; takes over once its pid belongs to another process or another boot', async (t) => {
  const live = await livePid();
  t.after(() => live.stop());
  const start = processStart(live.pid);
  await withFolder(async (dir) => {
    const { logger } = capturingLogger();
    await writeLock(dir, { pid: live.pid, processStart: start });
    await assert.rejects(DataDirLock.acquire(dir, logger), DataDirLockedError);
    if (start === undefined) return t.diagnostic('no /proc here: pid reuse is not detectable, only the plain pid check ran');
    await writeLock(dir, { pid: live.pid, processStart: `${start}1` });
    const reused = await DataDirLock.acquire(dir, logger);
    await reused.release();
    await writeLock(dir, { pid: live.pid, processStart: start, bootId: 'a-boot-before-the-last-reboot' });
    const rebooted = await DataDirLock.acquire(dir, logger);
    await rebooted.release();
  });
});

test('refuses a lock held on another host and one it cannot read, saying which file to delete', async () => {
  await withFolder(async (dir) => {
    const { logger } = capturingLogger();
    await writeLock(dir, { pid: 1, host: 'some-other-machine' });
    await assert.rejects(DataDirLock.acquire(dir, logger), (err: unknown) => err instanceof DataDirLockedError && /another machine.*delete .*premonitor\.lock/.test(err.message));
    await writeFile(join(dir, LOCK_FILE), 'garbage');
    await assert.rejects(DataDirLock.acquire(dir, logger), (err: unknown) => err instanceof DataDirLockedError && /cannot read/.test(err.message));
  });
});

test('of several starters racing for a stale lock exactly one gets it', async () => {
  await withFolder(async (dir) => {
    await writeLock(dir, { pid: await deadPid() });
    const { logger } = capturingLogger();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => DataDirLock.acquire(dir, logger)));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof DataDirLockedError, String(r.reason));
    await (won[0] as PromiseFulfilledResult<DataDirLock>).value.release();
  });
});
