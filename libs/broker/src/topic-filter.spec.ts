import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilters, filterCovers, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter.js';

test('accepts well-formed filters and rejects misplaced wildcards', () => {
  for (const f of ['#', '+', 'a/+/c', 'a/#', '+/+/#', 'a//b']) assert.ok(isValidTopicFilter(f), f);
  for (const f of ['', 'a/#/b', 'a/b#', 'a+/b', 'a/+b', '#/']) assert.ok(!isValidTopicFilter(f), f);
});

test('rejects wildcards and empty strings as topic names', () => {
  assert.ok(isValidTopicName('premonitor/v1/s/d/telemetry'));
  for (const t of ['', 'a/+', 'a/#']) assert.ok(!isValidTopicName(t), t);
});

test('matches topics the MQTT way, including parent-of-# and $-topics', () => {
  assert.ok(topicMatchesFilter('a/b/c', 'a/+/c'));
  assert.ok(topicMatchesFilter('a', 'a/#'));
  assert.ok(topicMatchesFilter('a/b/c', '#'));
  assert.ok(!topicMatchesFilter('a/b', 'a/+/c'));
  assert.ok(!topicMatchesFilter('a/b/c', 'a/+'));
  assert.ok(!topicMatchesFilter('$SYS/x', '#'));
  assert.ok(!topicMatchesFilter('$SYS/x', '+/x'));
  assert.ok(topicMatchesFilter('$SYS/x', '$SYS/#'));
});

test('a filter covers only requests that cannot match anything outside it', () => {
  const own = 'premonitor/v1/s/d/model/+';
  assert.ok(filterCovers(own, own));
  assert.ok(filterCovers(own, 'premonitor/v1/s/d/model/acoustic'));
  assert.ok(!filterCovers(own, 'premonitor/v1/s/d/model/#'));
  assert.ok(!filterCovers(own, 'premonitor/v1/s/+/model/+'));
  assert.ok(!filterCovers(own, 'premonitor/v1/#'));
  assert.ok(!filterCovers(own, '#'));
  assert.ok(!filterCovers(own, 'premonitor/v1/s/d/model'));
  assert.ok(!filterCovers(own, 'premonitor/v1/s/d/model/acoustic/extra'));
  const cmd = 'premonitor/v1/s/d/command/#';
  assert.ok(filterCovers(cmd, 'premonitor/v1/s/d/command'));
  assert.ok(filterCovers(cmd, 'premonitor/v1/s/d/command/+/x/#'));
  assert.ok(!filterCovers(cmd, 'premonitor/v1/s/d/+/#'));
  assert.ok(filterCovers('premonitor/v1/#', 'premonitor/v1/+/+/frame/+'));
  assert.ok(!filterCovers('#', '$SYS/#'));
  assert.ok(!filterCovers('premonitor/v1/#', 'premonitor/v1/a/#/b'));
});

test('a compiled filter set matches exactly what topicMatchesFilter matches', () => {
  const filters = ['premonitor/v1/+/+/telemetry', 'premonitor/v1/+/+/frame/+', 'a/#', '+/x', '#'];
  const topics = ['a/x\ny', 'premonitor/v1/s/d/telemetry', 'premonitor/v1/s/d/frame/acoustic', 'premonitor/v1/s/d/frame', 'a', 'a/b/c', 'y/x', '$SYS/x', 'premonitor/v1/s/d/telemetry/x'];
  for (const set of [filters.slice(0, 2), filters.slice(2, 3), filters.slice(3, 4), filters.slice(4)]) {
    const matches = compileFilters(set);
    for (const topic of topics) assert.equal(matches(topic), set.some((f) => topicMatchesFilter(topic, f)), `${set.join(',')} vs ${topic}`);
  }
});
