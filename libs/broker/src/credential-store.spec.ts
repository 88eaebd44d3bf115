import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialFileError, DuplicateCredentialError, WeakPasswordError } from './broker-errors.js';
import { CredentialStore } from './credential-store.js';
import { hashPassword, verifyPassword } from './password-hash.js';

const fast = { scrypt: { N: 1024, r: 8, p: 1 } };
const ref = { site: 'plant-1', device: 'pump-7' };

test('hashes are scrypt$N$r$p$salt$hash, salted per call, and verify only the right password', async () => {
  const a = await hashPassword('correct horse battery', fast.scrypt);
  const b = await hashPassword('correct horse battery', fast.scrypt);
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterz', a), false);
});

test('authenticates a device as {site}/{device} and a service by name; refuses wrong passwords', async () => {
  const store = CredentialStore.inMemory(fast);
  assert.equal(await store.addDevice(ref, 'device-password-1'), 'plant-1/pump-7');
  await store.addService('ingest', 'ingest', 'service-password-1');
  assert.deepEqual(await store.authenticate('plant-1/pump-7', Buffer.from('device-password-1')), { kind: 'device', username: 'plant-1/pump-7', ref });
  assert.deepEqual(await store.authenticate('ingest', 'service-password-1'), { kind: 'service', username: 'ingest', role: 'ingest' });
  assert.equal(await store.authenticate('plant-1/pump-7', 'service-password-1'), null);
  assert.equal(await store.authenticate('nobody', 'device-password-1'), null);
  assert.equal(await store.authenticate(undefined, undefined), null);
});

test('refuses duplicates unless replacing, short passwords, and ids outside [a-z0-9-]', async () => {
  const store = CredentialStore.inMemory(fast);
  await store.addDevice(ref, 'device-password-1');
  await assert.rejects(store.addDevice(ref, 'device-password-2'), DuplicateCredentialError);
  await store.addDevice(ref, 'device-password-2', { replace: true });
  assert.equal(await store.authenticate('plant-1/pump-7', 'device-password-1'), null);
  assert.ok(await store.authenticate('plant-1/pump-7', 'device-password-2'));
  await assert.rejects(store.addDevice({ site: 'plant-1', device: 'pump-9' }, 'short'), WeakPasswordError);
  await assert.rejects(store.addDevice({ site: 'Plant/1', device: 'x' }, 'device-password-1'), RangeError);
  await assert.rejects(store.addService('has/slash', 'ingest', 'service-password-1'), RangeError);
  assert.equal(store.removeDevice(ref), true);
  assert.equal(store.removeDevice(ref), false);
  assert.equal(await store.authenticate('plant-1/pump-7', 'device-password-2'), null);
});

test('saves atomically with owner-only permissions, stores no plaintext, and loads back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-creds-'));
  try {
    const path = join(dir, 'nested', 'creds.json');
    const store = await CredentialStore.load(path, { ...fast, createIfMissing: true });
    await store.addDevice(ref, 'device-password-1');
    await store.addService('ingest', 'ingest', 'service-password-1');
    await store.save();
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes('device-password-1') && !text.includes('service-password-1'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['creds.json'], 'no temp file left behind');
    const again = await CredentialStore.load(path);
    assert.deepEqual(again.devices(), [{ username: 'plant-1/pump-7', ...ref }]);
    assert.deepEqual(again.services(), [{ username: 'ingest', role: 'ingest' }]);
    assert.ok(await again.authenticate('ingest', 'service-password-1'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reports a missing or malformed file as CredentialFileError naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-creds-'));
  try {
    await assert.rejects(CredentialStore.load(join(dir, 'missing.json')), (err: unknown) => err instanceof CredentialFileError && err.message.includes('missing.json'));
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, devices: [{ username: 'plant-1/pump-8', site: 'plant-1', device: 'pump-7', passwordHash: 'x' }], services: [] }));
    await assert.rejects(CredentialStore.load(bad), CredentialFileError);
    await writeFile(bad, '{not json');
    await assert.rejects(CredentialStore.load(bad), CredentialFileError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("loads an account with the retired role 'core' but never lets it log in; re-adding it with a role does", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-creds-'));
  try {
    const path = join(dir, 'creds.json');
    const passwordHash = await hashPassword('service-password-1', fast.scrypt);
    await writeFile(path, JSON.stringify({ version: 1, devices: [], services: [{ username: 'ingest', role: 'core', passwordHash }] }));
    const store = await CredentialStore.load(path, fast);
    assert.deepEqual(store.retiredServices(), ['ingest']);
    assert.equal(await store.authenticate('ingest', 'service-password-1'), null);
    await store.addService('ingest', 'ingest', 'service-password-1', { replace: true });
    assert.deepEqual(store.retiredServices(), []);
    assert.deepEqual(await store.authenticate('ingest', 'service-password-1'), { kind: 'service', username: 'ingest', role: 'ingest' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
