import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelSlot } from './model-slot.js';
import type { ScoringModel } from './scoring-model.js';

function fakeModel(version: string, released: string[]): ScoringModel {
  return {
    kind: 'thermal',
    version,
    sha256: version.padEnd(64, '0'),
    frameShape: [1, 1],
    sampleRate: undefined,
    baseline: undefined,
    threshold: undefined,
    run: async () => ({ score: new Float32Array(), error: new Float32Array() }),
    release: async () => void released.push(version),
  };
}

test('a swap takes effect for the next lease while the in-flight one keeps the old model', async () => {
  const released: string[] = [];
  const slot = new ModelSlot();
  slot.install(fakeModel('v1', released));
  const inFlight = slot.lease()!;
  slot.install(fakeModel('v2', released));
  assert.equal(inFlight.model.version, 'v1');
  assert.equal(slot.lease()!.model.version, 'v2');
  assert.deepEqual(released, [], 'v1 is still leased');
  inFlight.release();
  inFlight.release();
  await Promise.resolve();
  assert.deepEqual(released, ['v1']);
});

test('an unleased model is released as soon as it is replaced, and nothing is leased from an empty slot', async () => {
  const released: string[] = [];
  const slot = new ModelSlot();
  assert.equal(slot.lease(), undefined);
  slot.install(fakeModel('v1', released));
  slot.clear();
  await Promise.resolve();
  assert.deepEqual(released, ['v1']);
  assert.equal(slot.current, undefined);
});
