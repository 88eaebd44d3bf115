import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataOptionsError } from './data-errors.js';
import { thermalDataset } from './thermal-dataset.js';
import { generateThermalFrame, renderThermalFrame } from './thermal-frame.js';
import { thermalSceneGeometry } from './thermal-scene.js';

const SIZES = [
  [32, 24],
  [80, 60],
] as const;

function stats(values: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / values.length };
}

test('the same options give identical frames; instances differ in geometry', () => {
  const options = { width: 32, height: 24, instanceId: 1, seed: 4, t: 3, load: 0.5 };
  assert.deepEqual(generateThermalFrame(options), generateThermalFrame(options));
  assert.notDeepEqual(generateThermalFrame(options), generateThermalFrame({ ...options, t: 4 }));
  assert.notDeepEqual(thermalSceneGeometry(1, 4).body, thermalSceneGeometry(2, 4).body);
});

test('frames are finite, in a plausible °C range, and the machine is warmer than the room', () => {
  for (const [width, height] of SIZES) {
    for (let instanceId = 0; instanceId < 6; instanceId++) {
      const frame = renderThermalFrame({ width, height, instanceId, seed: 9, load: 1 });
      const s = stats(frame.celsius);
      assert.equal(frame.celsius.length, width * height);
      assert.ok(frame.celsius.every(Number.isFinite));
      assert.ok(s.min > 10 && s.max < 90, `${width}×${height} #${instanceId}: ${s.min}…${s.max}`);
      assert.ok(s.max > frame.ambientC + 10, 'a loaded machine stands out by more than 10 °C');
    }
  }
});

test('the housing follows load', () => {
  const base = { width: 32, height: 24, instanceId: 2, seed: 9, t: 0 };
  const idle = stats(generateThermalFrame({ ...base, load: 0 }));
  const full = stats(generateThermalFrame({ ...base, load: 1 }));
  assert.ok(full.max - idle.max > 8, `max ${idle.max} → ${full.max}`);
});

test('a hotspot raises the local maximum by about ΔT while the mean moves little', () => {
  for (const [width, height] of SIZES) {
    for (const target of ['bearing', 'connector'] as const) {
      const options = { width, height, instanceId: 5, seed: 13, t: 0, load: 0.7 };
      const healthy = generateThermalFrame(options);
      const faulty = renderThermalFrame({ ...options, anomaly: { kind: 'hotspot', severity: 1, target, deltaC: 15 } });
      let rise = 0;
      for (let i = 0; i < healthy.length; i++) rise = Math.max(rise, faulty.celsius[i]! - healthy[i]!);
      assert.ok(rise > 12 && rise < 15.5, `${width}×${height} ${target}: local rise ${rise.toFixed(2)} °C`);
      const meanShift = stats(faulty.celsius).mean - stats(healthy).mean;
      assert.ok(meanShift < 0.1 * 15, `${width}×${height} ${target}: mean moved ${meanShift.toFixed(2)} °C`);
    }
  }
});

test('overheating grows over the episode and a spreading area widens', () => {
  const base = { width: 32, height: 24, instanceId: 3, seed: 1, episode: 2, load: 0.6 };
  const overheating = { kind: 'overheating', severity: 1, onsetT: 10, rampFrames: 40 } as const;
  const deltas = [0, 10, 30, 50, 70].map((t) => renderThermalFrame({ ...base, t, anomaly: overheating }).anomalyDeltaC);
  assert.deepEqual(deltas.slice(0, 2), [0, 0]);
  assert.ok(deltas[2]! > 0 && deltas[2]! < deltas[3]! && Math.abs(deltas[3]! - deltas[4]!) < 1e-3, deltas.join(', '));
  const spreading = { kind: 'spreading', severity: 1, onsetT: 0, rampFrames: 40 } as const;
  const warmPixels = (t: number): number => {
    const healthy = generateThermalFrame({ ...base, t });
    const faulty = generateThermalFrame({ ...base, t, anomaly: spreading });
    return healthy.filter((v, i) => faulty[i]! - v > 1).length;
  };
  assert.ok(warmPixels(5) < warmPixels(20) && warmPixels(20) < warmPixels(40));
});

test('cooling failure makes the housing hot even at low load', () => {
  const base = { width: 32, height: 24, instanceId: 0, seed: 6, load: 0.1 };
  const frame = renderThermalFrame({ ...base, t: 50, anomaly: { kind: 'cooling_failure', severity: 1, rampFrames: 50 } });
  assert.ok(frame.anomalyDeltaC > 10, `rise ${frame.anomalyDeltaC}`);
});

test('the data set streams labelled frames; faulty episodes start healthy', () => {
  const options = { width: 32, height: 24, instances: [0, 1], episodesPerInstance: 1, framesPerEpisode: 12, frameStride: 5, anomalyKinds: ['hotspot', 'overheating'] as const, seed: 3 };
  const frames = [...thermalDataset(options)];
  assert.equal(frames.length, 2 * (1 + 2) * 12);
  assert.ok(frames.filter((f) => !f.anomaly).every((f) => f.label === 'normal'));
  const faulty = frames.filter((f) => f.anomaly?.kind === 'overheating' && f.instanceId === 0);
  assert.equal(faulty[0]!.label, faulty[0]!.anomalyDeltaC >= 1 ? 'anomaly' : 'normal');
  assert.equal(faulty[faulty.length - 1]!.label, 'anomaly');
  assert.deepEqual([...thermalDataset(options)][30]!.celsius, frames[30]!.celsius);
});

test('rejects a load outside [0, 1] and an unknown anomaly', () => {
  assert.throws(() => generateThermalFrame({ width: 32, height: 24, instanceId: 0, seed: 1, load: 1.5 }), DataOptionsError);
  assert.throws(() => generateThermalFrame({ width: 32, height: 24, instanceId: 0, seed: 1, anomaly: { kind: 'fire' as 'hotspot', severity: 1 } }), DataOptionsError);
});
