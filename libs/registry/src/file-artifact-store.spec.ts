import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from './artifact-store.js';
import { FileArtifactStore } from './file-artifact-store.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';
import { ArtifactIntegrityError, ArtifactNotFoundError } from './registry-errors.js';

test('stores bytes at dir/ab/<sha256>.onnx and reads them back verified', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-artifacts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new FileArtifactStore(dir);
  const bytes = new TextEncoder().encode('model bytes');
  const stored = await store.put(bytes);
  assert.deepEqual(stored, { sha256: sha256Hex(bytes), size: bytes.length });
  assert.deepEqual(await readdir(join(dir, stored.sha256.slice(0, 2))), [`${stored.sha256}.onnx`], 'no temporary file is left behind');
  assert.equal(await store.has(stored.sha256), true);
  assert.deepEqual(await store.get(stored.sha256), bytes);
  assert.deepEqual(await store.put(bytes), stored, 'storing the same bytes again is a no-op');
});

test('a tampered file fails verification and a missing one is reported as such', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-artifacts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new FileArtifactStore(dir);
  const { sha256 } = await store.put(new Uint8Array([1, 2, 3]));
  await writeFile(join(dir, sha256.slice(0, 2), `${sha256}.onnx`), new Uint8Array([1, 2, 4]));
  await assert.rejects(store.get(sha256), ArtifactIntegrityError);
  await assert.rejects(store.get('f'.repeat(64)), ArtifactNotFoundError);
  await assert.rejects(store.get('../../etc/passwd'), ArtifactNotFoundError, 'a non-hash address never reaches the file system');
  assert.equal(await store.has('../x'), false);
});

test('the memory store keeps the same contract', async () => {
  const store = new MemoryArtifactStore();
  const { sha256 } = await store.put(new Uint8Array([9]));
  assert.deepEqual(await store.get(sha256), new Uint8Array([9]));
  store.corrupt(sha256, new Uint8Array([8]));
  await assert.rejects(store.get(sha256), ArtifactIntegrityError);
});
