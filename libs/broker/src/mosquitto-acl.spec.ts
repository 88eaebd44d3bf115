import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclRuleLines, mosquittoDevicePatterns, mosquittoUserBlock, removeUserBlock, upsertUserBlock } from './mosquitto-acl.js';

test('device patterns confine each device to its own topics through %u', () => {
  assert.deepEqual(mosquittoDevicePatterns(), [
    'pattern write premonitor/v1/%u/telemetry',
    'pattern write premonitor/v1/%u/status',
    'pattern write premonitor/v1/%u/edge-alert',
    'pattern write premonitor/v1/%u/frame/acoustic',
    'pattern write premonitor/v1/%u/frame/thermal',
    'pattern read premonitor/v1/%u/model/+',
    'pattern read premonitor/v1/%u/command/#',
    'pattern read premonitor/v1/%u/alert',
  ]);
});

test('user blocks carry the least privilege of each role', () => {
  assert.deepEqual(mosquittoUserBlock('ingest', 'ingest'), [
    'user ingest',
    'topic read premonitor/v1/+/+/telemetry',
    'topic read premonitor/v1/+/+/status',
    'topic read premonitor/v1/+/+/edge-alert',
    'topic read premonitor/v1/+/+/frame/+',
  ]);
  assert.deepEqual(mosquittoUserBlock('model-sync', 'model-sync'), [
    'user model-sync',
    'topic write premonitor/v1/+/+/model/+',
    'topic write premonitor/v1/+/+/command/#',
    'topic read premonitor/v1/+/+/status',
  ]);
});

test('upserting a block replaces the old one (role change) and keeps the others and the header', () => {
  const file = '# header\n\nuser ingest\ntopic readwrite premonitor/v1/#\ntopic read $SYS/broker/#\n\nuser model-sync\ntopic write premonitor/v1/+/+/model/+\n';
  const next = upsertUserBlock(file, 'ingest', 'ingest');
  assert.ok(next.startsWith('# header\n'));
  assert.deepEqual(aclRuleLines(next), [
    'user model-sync',
    'topic write premonitor/v1/+/+/model/+',
    ...mosquittoUserBlock('ingest', 'ingest'),
  ]);
  assert.equal(upsertUserBlock(next, 'ingest', 'ingest'), next, 'idempotent');
  assert.deepEqual(aclRuleLines(removeUserBlock(next, 'model-sync')), mosquittoUserBlock('ingest', 'ingest'));
});
