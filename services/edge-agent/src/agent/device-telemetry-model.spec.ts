import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@premonitor/log';
import { TelemetryModelScorer } from '@premonitor/ml/scoring';
import { DeviceTelemetryModel } from './device-telemetry-model.js';

const MODELS = new URL('../../../../models/', import.meta.url).pathname;
const logger = createLogger({ service: 'device-telemetry-model-spec', level: 'silent' });
// The shipped SKAB telemetry PCA model: a telemetry window model like a device's own (6 channels, 60 steps of 1 s).
const pcaBytes = new Uint8Array(readFileSync(join(MODELS, 'telemetry.pca.onnx')));

/** One SKAB-like reading at step i. */
function reading(i: number): Record<string, number> {
  const w = Math.sin(i * 0.7);
  return { Accelerometer1RMS: 0.2 + 0.01 * w, Accelerometer2RMS: 0.26 + 0.01 * w, Current: 1.8 + 0.3 * w, Pressure: 0.4 + 0.05 * w, Voltage: 230 + w, 'Volume Flow RateRMS': 32 + 0.5 * w, Temperature: 70 };
}

describe('DeviceTelemetryModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-device-telemetry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores nothing before a model, then one window per step of the model’s contract, as the graph scores it', async () => {
    const edge = new DeviceTelemetryModel({ dir, logger });
    await edge.start();
    assert.equal(edge.version, undefined);
    assert.deepEqual(await edge.observe(0, 0, reading(0)), []);
    const { version } = await edge.install(pcaBytes);
    assert.equal(edge.version, version);
    const scores = [];
    for (let i = 1; i <= 70; i++) scores.push(...(await edge.observe(i * 1000, i, reading(i))));
    // Steps 1..69 are closed (70 is open): the first window ends at step 60, then one per step.
    assert.equal(scores.length, 69 - 60 + 1);
    const direct = await TelemetryModelScorer.load(pcaBytes, { intraOpThreads: 1 });
    const window = new Float32Array(60 * 6);
    for (let r = 0; r < 60; r++) direct.window.channels.forEach((c, k) => (window[r * 6 + k] = reading(10 + r)[c]!));
    const [ratio] = await direct.ratios(window, 1);
    assert.ok(Math.abs(scores.at(-1)!.score.ratio - ratio!) < 1e-6, 'the last window (steps 10..69) as the graph scores it');
    assert.equal(scores.at(-1)!.ts, 70 * 1000 - 1);
    await direct.release();
    await edge.stop();
  });

  it('refuses a model that is not a telemetry window model and keeps the one it runs; a restart loads the kept one', async () => {
    const edge = new DeviceTelemetryModel({ dir, logger });
    await edge.start();
    const running = edge.version;
    assert.ok(running, 'kept on disk by the previous case');
    await assert.rejects(edge.install(new Uint8Array(readFileSync(join(MODELS, 'vibration.onnx')))), /not a telemetry window model/);
    await assert.rejects(edge.install(new Uint8Array([1, 2, 3])), /not a Premonitor model/);
    assert.equal(edge.version, running);
    await edge.stop();
    const again = new DeviceTelemetryModel({ dir, logger });
    await again.start();
    assert.equal(again.version, running);
    await again.stop();
  });
});
