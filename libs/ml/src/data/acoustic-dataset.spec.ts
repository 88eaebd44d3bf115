import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acousticDataset, acousticDatasetSize } from './acoustic-dataset.js';

test('streams the announced number of labelled clips, reproducibly', () => {
  const options = { machineTypes: ['fan', 'motor'] as const, instances: [0, 1], clipsPerInstance: 2, snrs: [6, -6], anomalyKinds: ['bearing', 'leak'] as const, anomalousClipsPerKind: 1, seed: 5, seconds: 0.25 };
  const clips = [...acousticDataset(options)];
  assert.equal(clips.length, acousticDatasetSize(options));
  assert.equal(clips.length, 2 * 2 * 2 * (2 + 2));
  assert.equal(clips.filter((c) => c.label === 'anomaly').length, 16);
  assert.ok(clips.every((c) => c.samples.length === 4000 && c.sampleRate === 16000));
  for (const c of clips.filter((x) => x.anomaly)) assert.ok(c.anomaly!.severity >= 0.5 && c.anomaly!.severity <= 1);
  // Faulty clips never reuse a healthy clip's recording of the same instance.
  const healthyIndices = new Set(clips.filter((c) => c.label === 'normal').map((c) => c.clipIndex));
  assert.ok(clips.filter((c) => c.label === 'anomaly').every((c) => !healthyIndices.has(c.clipIndex)));
  const again = acousticDataset(options);
  assert.deepEqual(again.next().value?.samples, clips[0]!.samples);
});

test('is lazy: taking the first clip does not render the rest', () => {
  const started = performance.now();
  const first = acousticDataset({ machineTypes: ['pump'], instances: [0], clipsPerInstance: 100000, snrs: [0], anomalyKinds: [], seed: 1 }).next();
  assert.equal(first.done, false);
  assert.ok(performance.now() - started < 2000);
});
