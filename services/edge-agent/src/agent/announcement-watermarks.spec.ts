import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@premonitor/log';
import { AnnouncementWatermarks } from './announcement-watermarks.js';

const logger = createLogger({ service: 'watermarks-spec', level: 'silent' });
const mark = (issuedAt: number, version: string) => ({ issuedAt, sha256: 'a'.repeat(64), version, keyId: '0123456789abcdef' });

test('the newest accepted announcement per kind survives a restart and never moves back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-watermarks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'model-announcements.json');
  const first = new AnnouncementWatermarks(path, logger);
  await first.load();
  assert.equal(first.get('acoustic'), undefined);
  await first.advance('acoustic', mark(2_000, 'a-2'));
  await first.advance('acoustic', mark(1_000, 'a-1'));
  assert.equal(first.get('acoustic')?.version, 'a-2', 'an older one does not replace a newer one');
  const afterReboot = new AnnouncementWatermarks(path, logger);
  await afterReboot.load();
  assert.deepEqual(afterReboot.get('acoustic'), mark(2_000, 'a-2'));
  assert.equal(afterReboot.get('thermal'), undefined);
});

test('an unreadable file is a fresh start, not a crash', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-watermarks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'model-announcements.json');
  await writeFile(path, '{"acoustic": {"issuedAt": "soon"}');
  const marks = new AnnouncementWatermarks(path, logger);
  await marks.load();
  assert.equal(marks.get('acoustic'), undefined);
});
