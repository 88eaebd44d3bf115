import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreClientId, deviceClientId, parseCoreClientId } from './mqtt-client-id.js';

test("a device's client id is its username", () => {
  assert.equal(deviceClientId({ site: 'plant-1', device: 'pump-7' }), 'plant-1/pump-7');
});

test('core client ids name the account and, for a replica, the replica', () => {
  assert.equal(coreClientId('ingest'), 'premonitor-ingest');
  assert.equal(coreClientId('ingest', 'ingest-0'), 'premonitor-ingest.ingest-0');
  assert.deepEqual(parseCoreClientId('premonitor-ingest'), { account: 'ingest' });
  assert.deepEqual(parseCoreClientId('premonitor-ingest.ingest-0'), { account: 'ingest', replica: 'ingest-0' });
  assert.deepEqual(parseCoreClientId('premonitor-model-sync'), { account: 'model-sync' });
});

test('ids that are not core ids parse to null', () => {
  for (const id of ['ingest', 'premonitor-', 'premonitor-Ingest', 'premonitor-a.b.c', 'premonitor-a.', 'plant-1/pump-7', 'premonitor-a/b', '']) {
    assert.equal(parseCoreClientId(id), null, id);
  }
});

test('refuses to build a core id from an invalid account or replica', () => {
  assert.throws(() => coreClientId('plant-1/pump-7'), RangeError);
  assert.throws(() => coreClientId('ingest', 'a.b'), RangeError);
});
