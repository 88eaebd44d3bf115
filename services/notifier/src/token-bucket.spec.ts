import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import { TokenBucket } from './token-bucket.js';
import { parseRetryAfter } from './retry-after.js';
import { StormDetector } from './storm-detector.js';

test('a token bucket allows its burst, then refills at its rate on the injected clock', () => {
  const clock = new ManualClock(1_000_000);
  const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, clock);
  assert.deepEqual([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()], [true, true, true, false]);
  assert.equal(bucket.msUntilToken(), 500);
  clock.advance(499);
  assert.equal(bucket.tryTake(), false);
  clock.advance(1);
  assert.equal(bucket.tryTake(), true);
  clock.advance(60_000);
  assert.equal(bucket.isFull(), true, 'never holds more than its capacity');
});

test('Retry-After is read as seconds or an HTTP date, and capped', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('2', now, 60_000), 2_000);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now, 60_000), 5_000);
  assert.equal(parseRetryAfter('86400', now, 60_000), 60_000);
  assert.equal(parseRetryAfter('soon', now, 60_000), undefined);
  assert.equal(parseRetryAfter(undefined, now, 60_000), undefined);
});

test('the storm detector counts arrivals within its sliding window only', () => {
  const storm = new StormDetector(1_000);
  storm.record(0, 3);
  storm.record(500);
  assert.equal(storm.count(900), 4);
  assert.equal(storm.count(1_200), 1);
  assert.equal(storm.count(1_600), 0);
});
