import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleClass, splitByDevice, type RunSample } from './thermal-samples.js';

const sample = (id: number, device: string | null): { sample: RunSample } => ({ sample: { id, sha256: 'x'.repeat(64), label: 'normal', faultClass: null, device, format: 'png', channel: null } });

test('holds out whole devices: no device has samples on both sides, and the split is stable as samples are added', () => {
  const items = Array.from({ length: 400 }, (_, i) => sample(i, `plant-1/dev-${i % 20}`));
  const { train, heldOut } = splitByDevice(items, 0.3, 1);
  const devices = (xs: typeof items) => new Set(xs.map((x) => x.sample.device));
  const overlap = [...devices(train)].filter((d) => devices(heldOut).has(d));
  assert.deepEqual(overlap, []);
  assert.ok(heldOut.length > 0 && train.length > 0);
  const more = splitByDevice([...items, sample(400, 'plant-1/dev-3')], 0.3, 1);
  assert.equal(more.heldOut.some((x) => x.sample.id === 400), heldOut.some((x) => x.sample.device === 'plant-1/dev-3'));
});

test('a sample without a device is its own group, and about the asked share is held out', () => {
  const items = Array.from({ length: 2_000 }, (_, i) => sample(i, null));
  const share = splitByDevice(items, 0.3, 7).heldOut.length / items.length;
  assert.ok(share > 0.25 && share < 0.35, `held out ${share}`);
});

test('trains normal samples as normal and anomalous ones as their fault class or plain anomalous', () => {
  assert.equal(sampleClass({ label: 'normal', faultClass: null }), 'normal');
  assert.equal(sampleClass({ label: 'anomalous', faultClass: 'Hot-Spot' }), 'Hot-Spot');
  assert.equal(sampleClass({ label: 'anomalous', faultClass: null }), 'anomalous');
});
