import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from './artifact-store.js';
import { BackupCorruptError, decodeBackup, encodeBackup, type RegistryBackupContent } from './backup-file.js';

const file = new TextEncoder().encode('model bytes');
const sha = sha256Hex(file);
const at = new Date('2026-12-06T10:00:00.000Z');
const content: RegistryBackupContent = {
  name: 'registry-test',
  createdAt: at,
  reason: 'test',
  kinds: ['triage'],
  models: [{ kind: 'triage', scope: '', version: 'v1', stage: 'production', sha256: sha, size: file.length, metrics: { f1: 0.5 }, metadata: { lineage: { parent: null } }, created_at: at, promoted_at: at, check_status: null, check_reason: null, checked_at: null, promotion_forced: false }],
  artifacts: new Map([[sha, file]]),
  attachments: { triage_records: [{ anomaly_id: 'a' }] },
};

test('a backup reads back as it was written', () => {
  const back = decodeBackup(encodeBackup(content));
  assert.deepEqual(back.models, content.models);
  assert.deepEqual(back.attachments, content.attachments);
  assert.deepEqual([...back.artifacts.get(sha)!], [...file]);
});

test('refuses a truncated backup file', () => {
  const bytes = encodeBackup(content);
  assert.throws(() => decodeBackup(bytes.subarray(0, bytes.length - 10)), (err: unknown) => err instanceof BackupCorruptError && /not UTF-8 JSON/.test(err.message));
});

test('refuses a backup whose model file was edited', () => {
  const doc = JSON.parse(new TextDecoder().decode(encodeBackup(content))) as { artifacts: Record<string, string> };
  doc.artifacts[sha] = Buffer.from('other bytes').toString('base64');
  assert.throws(() => decodeBackup(new TextEncoder().encode(JSON.stringify(doc))), (err: unknown) => err instanceof BackupCorruptError && err.message.includes(`model file ${sha}`));
});

test('refuses a backup that names a model without its file, or is not a backup at all', () => {
  const doc = JSON.parse(new TextDecoder().decode(encodeBackup(content))) as { artifacts: Record<string, string> };
  doc.artifacts = {};
  assert.throws(() => decodeBackup(new TextEncoder().encode(JSON.stringify(doc))), /triage model 'v1' has no file/);
  assert.throws(() => decodeBackup(new TextEncoder().encode('{"format":"zip"}')), /not a registry backup/);
});
