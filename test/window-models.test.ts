// The shipped window models of issue 15 (models/telemetry.onnx, models/vibration.onnx, written by
// `npm run train -- telemetry|vibration`): their window contract, and what they say about real
// recordings — the SKAB rig's own healthy history and a valve fault, the fan's conditions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { vibrationModelInput, vibrationWindowMessage } from '@premonitor/contracts';
import { applyAlarmRule, checkWindowBatch, readModelMetadata, slidingWindows, WindowInputError } from '@premonitor/ml';
import { SKAB_CHANNELS } from '@premonitor/training/telemetry';
import { FAN_CHANNELS, FAN_SAMPLES, VIBRATION_CLASSES, loadVibrationFan, runVibrationModel } from '@premonitor/training/vibration';

const modelsDir = fileURLToPath(new URL('../../models/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sharedData = process.env['PM_SHARED_DATA_DIR'] ?? `${repoRoot}../shared/data`;
const skabDir = resolve(sharedData, 'skab');
const fanDir = resolve(sharedData, 'vibration-fan');
if (!existsSync(skabDir) || !existsSync(fanDir)) console.log(`SKIPPING the real-data checks of the window models: ${skabDir} or ${fanDir} not found (set PM_SHARED_DATA_DIR)`);

/** Rows of a SKAB file in the model's channel order. */
function skabRows(file: string, channels: readonly string[]): { rows: Float32Array; labels: number[] } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const columns = channels.map((c) => header.indexOf(c));
  const body = lines.slice(1).map((l) => l.split(';'));
  const rows = Float32Array.from(body.flatMap((cells) => columns.map((k) => Number(cells[k]))));
  return { rows, labels: body.map((cells) => Number(cells[header.indexOf('anomaly')] ?? 0)) };
}

async function scores(bytes: Uint8Array, windows: Float32Array, steps: number, channels: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ window: new ort.Tensor('float32', windows, [windows.length / (steps * channels), steps, channels]) });
    return out['score']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('shipped telemetry.onnx', () => {
  const bytes = new Uint8Array(readFileSync(`${modelsDir}telemetry.onnx`));
  const meta = readModelMetadata(bytes);
  const contract = meta.window!;

  it('says in its metadata which sensors, in which order, how many steps and how long a run must be', () => {
    assert.equal(meta.kind, 'telemetry');
    assert.ok(contract.channels.every((c) => (SKAB_CHANNELS as readonly string[]).includes(c)), 'real SKAB keys, spaces included');
    assert.ok(!contract.channels.includes('Temperature'), 'the drifting temperatures are left out');
    assert.deepEqual([contract.steps, contract.stepSeconds, meta.inputs[0]!.shape], [60, 1, ['batch', 60, contract.channels.length]]);
    assert.ok(Number.isInteger(contract.run) && contract.run! >= 1 && meta.threshold! > 0);
    const pca = readModelMetadata(new Uint8Array(readFileSync(`${modelsDir}telemetry.pca.onnx`)));
    assert.deepEqual([pca.window!.channels, pca.window!.steps], [contract.channels, contract.steps], 'the PCA variant reads the same windows');
    assert.match(pca.window!.family, /\/pca-t2q\//);
  });

  it('stays quiet on all but a few points of the healthy history it was fitted on', { skip: !existsSync(skabDir) }, async () => {
    const steps = contract.steps;
    const c = contract.channels.length;
    const healthy = skabRows(resolve(skabDir, 'anomaly-free/anomaly-free.csv'), contract.channels);
    const healthyFlags = applyAlarmRule(await scores(bytes, slidingWindows(healthy.rows.subarray(0, 7524 * c), c, steps), steps, c), { threshold: 1, run: contract.run! });
    const healthyShare = healthyFlags.reduce((a, b) => a + b, 0) / healthyFlags.length;
    assert.ok(healthyShare < 0.02, `${(100 * healthyShare).toFixed(2)} % of the fitted healthy points alarm`);
  });

  it('is refused before scoring when a window holds NaN or lacks a sensor', () => {
    const c = contract.channels.length;
    const window = new Float32Array(contract.steps * c).fill(1);
    window[5 * c + 2] = Number.NaN;
    assert.throws(() => checkWindowBatch(window, { steps: contract.steps, channels: c }, contract.channels), new RegExp(`window 0 holds NaN at step 5, ${contract.channels[2]}`));
    assert.throws(() => checkWindowBatch(new Float32Array(contract.steps * (c - 1)), { steps: contract.steps, channels: c }, contract.channels), WindowInputError);
  });
});

describe('shipped vibration.onnx', () => {
  const bytes = new Uint8Array(readFileSync(`${modelsDir}vibration.onnx`));

  it('takes [N, 200, 3] raw g and names its eight classes', () => {
    const meta = readModelMetadata(bytes);
    assert.deepEqual([meta.kind, meta.classes, meta.inputs[0]!.shape, meta.sampleRate], ['vibration', [...VIBRATION_CLASSES], ['batch', FAN_SAMPLES, FAN_CHANNELS], 200]);
  });

  it('classifies the last recorded windows of each condition and flags the weighted fan', { skip: !existsSync(fanDir) }, async () => {
    const all = await loadVibrationFan(fanDir);
    // The last 20 windows of each condition: held out from training (the split is by recording order).
    const last = VIBRATION_CLASSES.flatMap((_, label) => all.filter((w) => w.label === label).slice(-20));
    const out = await runVibrationModel(bytes, last);
    const k = VIBRATION_CLASSES.length;
    const correct = last.filter((w, i) => {
      const p = out.probs.subarray(i * k, (i + 1) * k);
      return p.indexOf(Math.max(...p)) === w.label;
    }).length;
    assert.ok(correct / last.length >= 0.9, `${correct} of ${last.length} correct`);
    const threshold = readModelMetadata(bytes).threshold!;
    const weighted = last.map((w, i) => ({ w, u: out.unbalance[i]! })).filter(({ w }) => VIBRATION_CLASSES[w.label]!.endsWith('+weight'));
    assert.ok(weighted.filter(({ u }) => u >= threshold).length >= 0.9 * weighted.length, 'weighted windows read as unbalanced');
  });

  it('scores windows sent as vibration window messages: the contract, checked against the model metadata, gives the model its input', { skip: !existsSync(fanDir) }, async () => {
    const meta = readModelMetadata(bytes);
    const shape = { channels: meta.window!.channels, steps: meta.window!.steps, sampleRateHz: meta.sampleRate! };
    const all = await loadVibrationFan(fanDir);
    const picked = VIBRATION_CLASSES.map((_, label) => all.filter((w) => w.label === label).at(-1)!);
    // As a device would send them: z, x, y columns (any order), rows of samples, the rate it sampled at.
    const inputs = picked.map((w, n) => {
      const samples = Array.from({ length: FAN_SAMPLES }, (_, i) => [w.samples[i * 3 + 2]!, w.samples[i * 3]!, w.samples[i * 3 + 1]!]);
      const message = vibrationWindowMessage.parse(JSON.parse(JSON.stringify({ ts: 1_700_000_000_000 + n, seq: n, sampleRateHz: 200, channels: ['z', 'x', 'y'], samples })));
      const fitted = vibrationModelInput(message, shape);
      assert.ok(fitted.ok, fitted.ok ? '' : fitted.reason);
      assert.deepEqual(fitted.input, w.samples, 'the model sees the recorded window, in its channel order');
      return fitted.input;
    });
    const out = await runVibrationModel(bytes, picked.map((w, i) => ({ ...w, samples: inputs[i]! })));
    const k = VIBRATION_CLASSES.length;
    const correct = picked.filter((w, i) => {
      const p = out.probs.subarray(i * k, (i + 1) * k);
      return p.indexOf(Math.max(...p)) === w.label;
    }).length;
    assert.ok(correct >= k - 1, `${correct} of ${k} conditions recognised`);
    const wrongRate = vibrationWindowMessage.parse({ ts: 1, seq: 1, sampleRateHz: 100, channels: ['x', 'y', 'z'], samples: Array.from({ length: FAN_SAMPLES }, () => [0, 0, 1]) });
    assert.equal(vibrationModelInput(wrongRate, shape).ok, false);
  });

  it('refuses a window of the wrong shape', async () => {
    const session = await ort.InferenceSession.create(bytes);
    try {
      await assert.rejects(session.run({ window: new ort.Tensor('float32', new Float32Array(100 * 3), [1, 100, 3]) }));
    } finally {
      await session.release();
    }
  });
});
