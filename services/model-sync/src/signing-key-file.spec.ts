import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigningKeyFile, loadOrCreateSigningKeyFile, readSigningKeyFile, SigningKeyFileError } from './signing-key-file.js';

const quiet = { info: () => {}, warn: () => {} };

test('creates a key once (mode 0600, no temporary left) and reads the same key back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-signing-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'keys', 'model-signing-key.pem');
  const first = await loadOrCreateSigningKeyFile(path, quiet);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(join(dir, 'keys')), ['model-signing-key.pem']);
  assert.equal((await loadOrCreateSigningKeyFile(path, quiet)).keyId, first.keyId, 'the second start reuses it');
  const racing = await Promise.all([createSigningKeyFile(join(dir, 'race.pem')), createSigningKeyFile(join(dir, 'race.pem'))]);
  assert.deepEqual(racing.map((r) => r.created).sort(), [false, true]);
  assert.equal(racing[0].key.keyId, racing[1].key.keyId, 'two creators end with one key');
});

test('a missing or unreadable key file fails with a message naming the file, never the content', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-signing-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(readSigningKeyFile(join(dir, 'none.pem')), (e: unknown) => e instanceof SigningKeyFileError && /model-sync keygen --out/.test(e.message));
  await writeFile(join(dir, 'bad.pem'), 'SECRET-MATERIAL', { mode: 0o600 });
  await assert.rejects(readSigningKeyFile(join(dir, 'bad.pem')), (e: unknown) => e instanceof SigningKeyFileError && e.message.includes('bad.pem') && !e.message.includes('SECRET'));
  await assert.rejects(loadOrCreateSigningKeyFile(join(dir, 'bad.pem'), quiet), SigningKeyFileError, 'an existing but broken key is never replaced');
});
