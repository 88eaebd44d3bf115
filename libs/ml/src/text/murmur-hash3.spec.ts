import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmurHash3, murmurHash3String } from './murmur-hash3.js';

test('matches the published MurmurHash3 x86_32 vectors', () => {
  // From the reference implementation's test suite and widely reproduced (SMHasher).
  assert.equal(murmurHash3(new Uint8Array(0), 0), 0);
  assert.equal(murmurHash3(new Uint8Array(0), 1), 0x514e28b7);
  assert.equal(murmurHash3(new Uint8Array(0), 0xffffffff), 0x81f16f39);
  assert.equal(murmurHash3(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0), 0x76293b50);
  assert.equal(murmurHash3(Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0), 0xf55b516b);
  assert.equal(murmurHash3(Uint8Array.of(0x21, 0x43, 0x65), 0), 0x7e4a8634);
  assert.equal(murmurHash3(Uint8Array.of(0x21, 0x43), 0), 0xa0f7b07a);
  assert.equal(murmurHash3(Uint8Array.of(0x21), 0), 0x72661cf4);
  assert.equal(murmurHash3String('Hello, world!', 1234), 0xfaf6cdb3);
  assert.equal(murmurHash3String('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
});

test('hashes the UTF-8 bytes of non-ASCII text', () => {
  assert.equal(murmurHash3String('ü', 7), murmurHash3(Uint8Array.of(0xc3, 0xbc), 7));
});
