import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { generateThermalFrame } from '@premonitor/ml/data';
import { EdgeBaselines } from './edge-baselines.js';
import { LocalModel } from './local-model.js';

const logger = createLogger({ service: 'edge-baselines-spec', level: 'silent' });
// Compiled to services/edge-agent/dist/: the shipped models are three levels up.
const thermalBytes = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../../models/thermal.onnx', import.meta.url))));
const settings = { enabled: true, policy: { gate: 'fleet' as const, maxFleetScore: 0.5, minIntervalMs: 1_000 } };

function frame(k: number, episode = 100 + (k % 2), fault?: 'hotspot'): Frame {
  const celsius = generateThermalFrame({ width: 32, height: 24, instanceId: 21, seed: 99, episode, t: 4 * Math.floor(k / 2), anomaly: fault ? { kind: fault, severity: 1, onsetT: 0, rampFrames: 0 } : undefined });
  return { kind: 'thermal', ts: 1_700_000_000_000 + k * 1_000, seq: k, width: 32, height: 24, celsius };
}

/** Scores `count` frames the way ModelStore does: against the baseline once there is one, enrolling until then. */
async function feed(model: LocalModel, baselines: EdgeBaselines, from: number, count: number): Promise<void> {
  for (let k = from; k < from + count; k++) {
    const f = frame(k);
    await baselines.observe(model, f.ts, await model.run(f, baselines.baselineFor(model)));
  }
}

describe('EdgeBaselines', () => {
  it('enrolls the device from healthy frames spaced by the policy, then scores it against itself', async () => {
    const model = await LocalModel.load(thermalBytes, 'thermal');
    const spec = model.baseline!;
    const baselines = new EdgeBaselines({ dir: mkdtempSync(join(tmpdir(), 'pm-edge-bl-')), settings, logger });
    await baselines.start(['thermal']);
    // A frame 10 ms after an accepted one is too soon and not taken.
    const first = frame(0);
    await baselines.observe(model, first.ts, await model.run(first));
    await baselines.observe(model, first.ts + 10, await model.run(first));
    assert.equal(baselines.status([model]).thermal?.accepted, 1);
    await feed(model, baselines, 1, spec.frames + 5);
    assert.equal(baselines.status([model]).thermal?.status, 'ready');
    const own = baselines.baselineFor(model)!;
    const healthy = await model.run(frame(300, 0), own);
    const hot = await model.run(frame(301, 0, 'hotspot'), own);
    assert.equal(healthy.reference, 'device');
    assert.ok(hot.score > 0.5 && healthy.score < 0.5, `hot ${hot.score}, healthy ${healthy.score}`);
    await model.release();
  });

  it('commissioning: enrolls a camera the fleet flags on every frame, shows the fleet opinion, and not once marked faulty', async () => {
    const model = await LocalModel.load(thermalBytes, 'thermal');
    const spec = model.baseline!;
    const hot = (k: number): Frame => {
      const f = frame(k) as Extract<Frame, { celsius: Float32Array }>;
      const celsius = Float32Array.from(f.celsius);
      // 30 °C hotter over a block than any machine the fleet was trained on.
      for (let y = 10; y < 15; y++) for (let x = 14; x < 19; x++) celsius[y * 32 + x]! += 30;
      return { ...f, celsius };
    };
    const baselines = new EdgeBaselines({ dir: mkdtempSync(join(tmpdir(), 'pm-edge-bl-')), settings: { ...settings, policy: { ...settings.policy, gate: 'commissioning' } }, logger });
    await baselines.start(['thermal']);
    for (let k = 0; k < spec.frames; k++) {
      const f = hot(k);
      const scored = await model.run(f, baselines.baselineFor(model));
      assert.equal(scored.reference, 'fleet');
      assert.ok(scored.fleetScore! > 0.5, `the fleet flags frame ${k}: ${scored.fleetScore}`);
      await baselines.observe(model, f.ts, scored);
    }
    const status = baselines.status([model]).thermal!;
    assert.deepEqual([status.status, status.accepted, status.rejected, status.fleetAnomalous], ['ready', spec.frames, 0, spec.frames]);
    const own = await model.run(hot(500), baselines.baselineFor(model));
    assert.equal(own.reference, 'device');
    assert.ok(own.score < 0.5, `its own normal is normal once enrolled: ${own.score}`);

    await baselines.markFaulty(model);
    assert.equal(baselines.baselineFor(model), undefined);
    for (let k = 0; k < 5; k++) await baselines.observe(model, hot(600 + k).ts + k * 10_000, await model.run(hot(600 + k)));
    assert.deepEqual([baselines.status([model]).thermal?.status, baselines.status([model]).thermal?.accepted], ['faulty', 0], 'a machine marked faulty does not enroll');
    await baselines.reset('thermal');
    assert.equal(baselines.status([model]).thermal?.status, 'enrolling');
    await model.release();
  });

  it('keeps the enrollment across a restart and starts over for another model version or a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-edge-bl-'));
    const model = await LocalModel.load(thermalBytes, 'thermal');
    const before = new EdgeBaselines({ dir, settings, logger });
    await before.start(['thermal']);
    await feed(model, before, 0, 10);
    await before.stop();
    const after = new EdgeBaselines({ dir, settings, logger });
    await after.start(['thermal']);
    assert.equal(after.status([model]).thermal?.accepted, 10, 'samples on disk survive the restart');
    const stored = JSON.parse(readFileSync(join(dir, 'thermal.json'), 'utf8')) as { modelVersion: string };
    writeFileSync(join(dir, 'thermal.json'), JSON.stringify({ ...stored, modelVersion: 'an-older-model' }));
    const other = new EdgeBaselines({ dir, settings, logger });
    await other.start(['thermal']);
    assert.equal(other.status([model]).thermal?.accepted, 0, "another version's samples are not this model's");
    writeFileSync(join(dir, 'thermal.json'), '{"modelVersion": 3');
    const corrupt = new EdgeBaselines({ dir, settings, logger });
    await corrupt.start(['thermal']);
    assert.equal(corrupt.status([model]).thermal?.status, 'enrolling');
    await model.release();
  });
});
