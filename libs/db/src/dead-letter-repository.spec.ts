import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundPayload, DEFAULT_MAX_DEAD_LETTER_BYTES } from './dead-letter-repository.js';

test('keeps a payload within the bound whole', () => {
  const { bytes, size } = boundPayload(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...bytes], [1, 2, 3]);
  assert.equal(size, 3);
});

test('truncates an oversized payload to 64 KiB by default and reports the original size', () => {
  const { bytes, size } = boundPayload(new Uint8Array(200_000).fill(7));
  assert.equal(bytes.byteLength, DEFAULT_MAX_DEAD_LETTER_BYTES);
  assert.equal(size, 200_000);
});

test('bounds text by its UTF-8 bytes', () => {
  const { bytes, size } = boundPayload('ééé', 3);
  assert.equal(size, 6);
  assert.equal(bytes.byteLength, 3);
});

test('respects a view into a larger buffer', () => {
  const backing = new Uint8Array([9, 9, 1, 2, 9]);
  const { bytes, size } = boundPayload(backing.subarray(2, 4));
  assert.deepEqual([...bytes], [1, 2]);
  assert.equal(size, 2);
});

test('refuses a negative bound', () => {
  assert.throws(() => boundPayload('x', -1), RangeError);
});
