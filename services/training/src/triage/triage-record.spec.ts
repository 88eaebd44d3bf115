import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReportsBody, parseTrainingBody, triageInput, triageReportSchema, validateTrainingRecords } from './triage-record.js';
import type { TrainingRecordsResult } from './triage-record.js';

const valid = { anomaly_id: 'A-1', description: 'pump bearing overheating under load', equipment_name: 'Feed pump', equipment_id: 'P-101', availability_score: 4, fiability_score: 3, process_safety_score: 2 };

function messages(result: TrainingRecordsResult): string[] {
  assert.equal(result.ok, false);
  return result.ok ? [] : result.records.flatMap((r) => r.messages);
}

test('takes valid records, from {records} or a bare array, with string or numeric ids', () => {
  const result = validateTrainingRecords({ records: [valid, { ...valid, anomaly_id: 7, equipment_name: null, equipment_id: '' }] });
  assert.ok(result.ok);
  assert.equal(result.records.length, 2);
  assert.equal(result.records[1]!.anomaly_id, '7');
  assert.equal(result.records[1]!.equipment_name, undefined);
  assert.ok(validateTrainingRecords([valid]).ok);
});

test('names a score out of range, not an integer, missing or of the wrong type, with the record number', () => {
  const result = validateTrainingRecords([valid, { ...valid, anomaly_id: 'b', availability_score: 6 }, { ...valid, anomaly_id: 'c', fiability_score: 2.5, process_safety_score: '3' }, { ...valid, anomaly_id: 'd', availability_score: undefined, fiability_score: 0 }]);
  assert.deepEqual(messages(result), [
    'Record 2: availability_score must be between 1 and 5, got 6',
    'Record 3: fiability_score must be an integer, got 2.5',
    'Record 3: process_safety_score must be a number, got string',
    'Record 4: availability_score is required',
    'Record 4: fiability_score must be between 1 and 5, got 0',
  ]);
  assert.ok(!result.ok && result.error === '3 of 4 records are invalid; none was taken');
});

test('refuses empty, blank and 100 kB descriptions', () => {
  assert.deepEqual(messages(validateTrainingRecords([{ ...valid, description: '' }])), ['Record 1: description must not be empty']);
  assert.deepEqual(messages(validateTrainingRecords([{ ...valid, description: ' \n\t ' }])), ['Record 1: description must not be empty']);
  assert.deepEqual(messages(validateTrainingRecords([{ ...valid, description: 'x'.repeat(100_000) }])), ['Record 1: description must be at most 2000 characters, got 100000']);
  assert.ok(validateTrainingRecords([{ ...valid, description: 'x'.repeat(2000) }]).ok);
});

test('refuses NUL, control characters and lone surrogates, and takes tabs, line breaks and emoji', () => {
  assert.deepEqual(messages(validateTrainingRecords([{ ...valid, description: 'leak\u0000' }])), ['Record 1: description must be plain text: contains a control character (U+0000) at 4']);
  assert.match(messages(validateTrainingRecords([{ ...valid, equipment_name: 'pump\u001b[31m' }]))[0]!, /Record 1: equipment_name must be plain text: contains a control character \(U\+001B\)/);
  assert.match(messages(validateTrainingRecords([{ ...valid, description: 'bad \ud800 half' }]))[0]!, /lone surrogate \(U\+D800\)/);
  assert.ok(validateTrainingRecords([{ ...valid, description: 'line one\r\n\tline two 🔧 Grüße' }]).ok);
});

test('refuses a body that is not UTF-8 or not JSON instead of guessing', () => {
  const bytes = Buffer.concat([Buffer.from('[{"anomaly_id":"x","description":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]);
  assert.deepEqual(parseTrainingBody(bytes), { ok: false, error: 'the body is not valid UTF-8', records: [] });
  const notJson = parseTrainingBody(Buffer.from('{"records": ['));
  assert.ok(!notJson.ok && notJson.error.startsWith('the body is not JSON'));
  assert.ok(parseTrainingBody(Buffer.from(JSON.stringify({ records: [valid] }))).ok);
});

test('refuses 1,001 records, none at all, and a body of the wrong shape', () => {
  const many = Array.from({ length: 1001 }, (_, i) => ({ ...valid, anomaly_id: `id-${i}` }));
  assert.deepEqual(validateTrainingRecords({ records: many }), { ok: false, error: 'at most 1000 records per call, got 1001', records: [] });
  assert.ok(validateTrainingRecords({ records: many.slice(0, 1000) }).ok);
  assert.equal((validateTrainingRecords({ records: [] }) as { error: string }).error, 'no records: send between 1 and 1000');
  assert.match((validateTrainingRecords({ rows: [] }) as { error: string }).error, /must be \{"records"/);
  assert.deepEqual(messages(validateTrainingRecords(['text', null])), ['Record 1: must be an object, got string', 'Record 2: must be an object, got null']);
});

test('an anomaly_id repeated with different scores is refused; repeated identically it is kept once', () => {
  assert.deepEqual(messages(validateTrainingRecords([valid, { ...valid, description: 'other words' }, { ...valid, process_safety_score: 5 }])), ["Record 3: anomaly_id 'A-1' repeats record 1 with different scores"]);
  const same = validateTrainingRecords([valid, valid]);
  assert.ok(same.ok && same.records.length === 1);
});

test('the model input joins equipment name and id; a report to score follows the same text rules', () => {
  assert.deepEqual(triageInput(valid), { description: valid.description, equipment: 'Feed pump P-101' });
  assert.deepEqual(triageInput({ description: 'x' }), { description: 'x', equipment: '' });
  assert.ok(triageReportSchema.safeParse({ description: 'oil leak' }).success);
  assert.equal(triageReportSchema.safeParse({ description: '' }).success, false);
});

test('reads one report, a list or {"reports": [...]} to score, and names each bad report by index', () => {
  const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
  assert.deepEqual(parseReportsBody(bytes({ description: 'pump seal leaking', equipment_name: 'pump' })), { ok: true, reports: [{ description: 'pump seal leaking', equipment_name: 'pump' }] });
  assert.equal(parseReportsBody(bytes([{ description: 'a' }, { description: 'b' }])).ok, true);
  const bad = parseReportsBody(bytes({ reports: [{ description: 'a' }, { description: '' }, { text: 'b' }] }));
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.reports.flatMap((r) => r.messages), ['Report 2: description must not be empty', 'Report 3: description is required']);
  assert.deepEqual(parseReportsBody(Buffer.from([0xff])), { ok: false, error: 'the body is not valid UTF-8', reports: [] });
  assert.equal(parseReportsBody(bytes({ reports: [] })).ok, false);
});
