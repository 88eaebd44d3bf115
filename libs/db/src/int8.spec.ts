import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInt8 } from './int8.js';

test('parses safe int8 values to numbers', () => {
  assert.equal(parseInt8('0'), 0);
  assert.equal(parseInt8('-42'), -42);
  assert.equal(parseInt8(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
});

test('parses int8 values beyond 2^53 to exact bigints', () => {
  assert.equal(parseInt8('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseInt8('-9007199254740993'), -9007199254740993n);
});
