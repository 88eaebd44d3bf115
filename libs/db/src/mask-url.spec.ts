import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl } from './mask-url.js';

test('masks the password of a postgres URL', () => {
  assert.equal(maskUrl('postgres://pm:s3cret@db.local:5432/premonitor'), 'postgres://pm:***@db.local:5432/premonitor');
});

test('leaves a URL without password unchanged', () => {
  assert.equal(maskUrl('postgres://postgres@127.0.0.1:5432/test'), 'postgres://postgres@127.0.0.1:5432/test');
});

test('masks a password given as a query parameter', () => {
  assert.equal(maskUrl('postgres://db/x?password=hunter2&sslmode=require'), 'postgres://db/x?password=***&sslmode=require');
});

test('masks a malformed URL between colon and at-sign', () => {
  const masked = maskUrl('pm:s3cret@db:5432 nonsense');
  assert.ok(!masked.includes('s3cret'), masked);
});
