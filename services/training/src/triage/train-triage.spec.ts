import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelMetadata } from '@premonitor/ml';
import { TextModelPredictor } from './text-model-predictor.js';
import { trainTriageModel } from './train-triage.js';
import { TriageRecordSet } from './triage-record-set.js';
import type { TriageRecord } from './triage-record.js';

const now = new Date('2026-01-02T03:04:05Z');
const templates: [string, number, number, number][] = [
  ['paint peeling on guard of %', 1, 1, 1],
  ['% vibration slightly above normal', 2, 3, 1],
  ['% seal weeping oil', 3, 3, 2],
  ['% tripped, line stopped', 5, 4, 2],
  ['hydrogen leak at % flange', 4, 3, 5],
];

function records(prefix: string, equipment: readonly string[]): TriageRecord[] {
  return equipment.flatMap((eq, r) => templates.map(([text, a, f, s], i) => ({ anomaly_id: `${prefix}-${r}-${i}`, description: text.replace('%', eq), equipment_name: eq, equipment_id: `ID-${r}`, availability_score: a, fiability_score: f, process_safety_score: s })));
}

test('trains a triage model whose three scores and confidences come back from onnxruntime', async () => {
  const trained = await trainTriageModel(records('a', ['feed pump', 'compressor', 'cooling fan', 'mixer', 'conveyor', 'boiler']), { version: 't1', now });
  const predictor = await TextModelPredictor.create(trained.modelBytes);
  const [leak, paint] = await predictor.predict([{ description: 'hydrogen leak at reactor flange', equipment: 'reactor' }, { description: 'paint peeling on guard of press' }]);
  await predictor.close();
  assert.deepEqual(Object.keys(leak!), ['availability', 'fiability', 'process_safety']);
  assert.equal(leak!['process_safety']!.score, 5);
  assert.equal(paint!['process_safety']!.score, 1);
  assert.ok(leak!['process_safety']!.confidence > 0.2 && leak!['process_safety']!.confidence <= 1);
  assert.equal(trained.report.records, 30);
  assert.deepEqual(trained.report.score_counts['availability'], [6, 6, 6, 6, 6]);
  assert.equal(trained.report.trained_at, now.toISOString());
  assert.equal(readModelMetadata(trained.modelBytes).trainingDataFingerprint, trained.report.training_data_fingerprint);
});

test('the same records and seed give the same bytes', async () => {
  const data = records('a', ['pump', 'fan', 'valve']);
  const a = await trainTriageModel(data, { version: 'v', now, seed: 3 });
  const b = await trainTriageModel(data, { version: 'v', now, seed: 3 });
  assert.deepEqual(a.modelBytes, b.modelBytes);
  assert.equal(a.report.training_data_fingerprint, b.report.training_data_fingerprint);
});

test('training on the merged set keeps what earlier calls taught', async () => {
  // First call: only safety-critical words; second call: only harmless ones.
  const first = records('a', ['pump', 'fan', 'valve', 'mixer']).filter((r) => r.process_safety_score === 5 || r.process_safety_score === 1);
  const second: TriageRecord[] = ['dust on panel', 'label faded', 'handle sticky', 'cover scratched'].map((description, i) => ({ anomaly_id: `b-${i}`, description, availability_score: 1, fiability_score: 1, process_safety_score: 1 }));
  const set = new TriageRecordSet().merge(first).set.merge(second).set;
  const trained = await trainTriageModel(set.records, { version: 'v2', now });
  assert.equal(trained.report.records, first.length + second.length);
  const predictor = await TextModelPredictor.create(trained.modelBytes);
  const [leak, dust] = await predictor.predict([{ description: 'hydrogen leak at pump flange' }, { description: 'dust on panel' }]);
  await predictor.close();
  assert.equal(leak!['process_safety']!.score, 5);
  assert.equal(dust!['process_safety']!.score, 1);
});

test('refuses to train on nothing', async () => {
  await assert.rejects(trainTriageModel([], { version: 'v', now }), RangeError);
});
