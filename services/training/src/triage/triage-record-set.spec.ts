import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TriageRecordSet } from './triage-record-set.js';
import type { TriageRecord } from './triage-record.js';

const record = (id: string, score = 3, description = `report ${id}`): TriageRecord => ({ anomaly_id: id, description, availability_score: score, fiability_score: 2, process_safety_score: 1 });

test('merging adds new ids, replaces corrected ones and counts unchanged ones, keeping first-arrival order', () => {
  const { set: first, counts: c1 } = new TriageRecordSet().merge([record('a'), record('b')]);
  assert.deepEqual(c1, { added: 2, updated: 0, unchanged: 0, total: 2 });
  const { set: second, counts: c2 } = first.merge([record('b', 5), record('c'), record('a')]);
  assert.deepEqual(c2, { added: 1, updated: 1, unchanged: 1, total: 3 });
  assert.deepEqual(second.records.map((r) => [r.anomaly_id, r.availability_score]), [['a', 3], ['b', 5], ['c', 3]]);
});

test('a merge leaves the set it started from as it was', () => {
  const { set } = new TriageRecordSet().merge([record('a')]);
  set.merge([record('a', 5), record('z')]);
  assert.equal(set.size, 1);
  assert.equal(set.records[0]!.availability_score, 3);
});
