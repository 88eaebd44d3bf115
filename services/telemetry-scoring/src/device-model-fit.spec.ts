import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readModelMetadata } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { ConvAeWindowScorer, convAeWindowScore } from './conv-ae-device-model.js';
import { loadGraph } from './device-graph.js';
import { DEFAULT_DEVICE_MODEL_OPTIONS } from './device-model.js';
import { DeviceTracker, type TrackerOutcome } from './device-tracker.js';
import { DEFAULT_DEVICE_FIT_OPTIONS, fitConvAeDeviceModel, fitDeviceModelOf, heldOutRows, type DeviceFitOptions } from './device-model-fit.js';

/** Deterministic uniform noise in [-0.5, 0.5). */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/** A pump: flow, current and pressure follow one fast load, plus noise; row-major [n, 3]. */
function pumpRows(n: number): Float64Array {
  const rows = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
    rows.set([30 + 2 * load + 0.3 * noise(i, 1), 1.5 + 0.2 * load + 0.03 * noise(i, 2), 2 + 0.1 * load + 0.01 * noise(i, 3)], i * 3);
  }
  return rows;
}

const KEYS = ['flow', 'current', 'pressure'];
// Few epochs: these tests check the plumbing, not the detector's quality (the bench measures that).
const QUICK: DeviceFitOptions = { ...DEFAULT_DEVICE_FIT_OPTIONS, convAe: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe, network: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe.network, epochs: 3 } } };

describe('per-device conv autoencoder', () => {
  before(() => useTfjsBackend('wasm'));

  it('scores the same in the service (plain JS) as its ONNX export, which carries window, channels and threshold', async () => {
    const rows = pumpRows(300);
    const model = await fitConvAeDeviceModel(KEYS, rows, 1000, QUICK);
    assert.equal(model.family, 'conv-ae');
    const meta = readModelMetadata(model.onnx);
    assert.equal(meta.kind, 'telemetry');
    assert.deepEqual(meta.window?.channels, model.sensors);
    assert.equal(meta.window?.steps, 60);
    assert.equal(meta.window?.stepSeconds, 1);
    assert.equal(meta.threshold, model.errorThreshold);

    // Raw readings in, as the edge would feed them; a fault (flow offset) in the last windows.
    const faulty = Float64Array.from(rows);
    for (let i = 250; i < 300; i++) faulty[i * 3] = faulty[i * 3]! + 8;
    const scorer = new ConvAeWindowScorer(model);
    const service: number[] = [];
    for (let r = 0; r < 300; r++) {
      const s = scorer.push(faulty.subarray(r * 3, (r + 1) * 3));
      if (s) service.push(s.ratio);
    }
    assert.equal(service.length, 300 - 59);
    const c = model.sensors.length;
    const columns = model.sensors.map((s) => KEYS.indexOf(s));
    const windows = new Float32Array(service.length * 60 * c);
    for (let w = 0; w < service.length; w++) for (let i = 0; i < 60; i++) columns.forEach((col, k) => (windows[(w * 60 + i) * c + k] = faulty[(w + i) * 3 + col]!));
    const session = await ort.InferenceSession.create(model.onnx);
    const out = await session.run({ window: new ort.Tensor('float32', windows, [service.length, 60, c]) });
    const edge = out['score']!.data as Float32Array;
    for (let w = 0; w < service.length; w++) assert.ok(Math.abs(edge[w]! - service[w]!) <= 1e-4 * Math.max(1, service[w]!), `window ${w}: edge ${edge[w]} vs service ${service[w]}`);
    assert.ok(service[service.length - 1]! > 1, `the fault scores above the threshold: ${service[service.length - 1]}`);
    await session.release();
  });

  it('a conv-AE device on its graph (the scorer the edge uses, batched) scores as in process, across a gap; an unloadable graph falls back and says so', async () => {
    const settings = { stepMs: 1000, discoveryMessages: 5, maxGapSteps: 3, enrollRows: 300, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS, family: 'conv-ae' as const };
    const rows = pumpRows(700);
    // A fault from row 600; a 2-step silence at 450 (filled: the next message closes several steps) and a 10-step one at 500 (a gap: both paths start their window over).
    const message = (i: number) => Object.fromEntries(KEYS.map((k, c) => [k, rows[i * 3 + c]! + (i >= 600 && c === 0 ? 8 : 0)]));
    const times = [...Array(700).keys()].filter((i) => (i < 500 || i >= 510) && i !== 450 && i !== 451);
    const trackers = [0, 1, 2].map(() => new DeviceTracker({ site: 's1', device: 'pump-1' }, settings, () => 0));
    const outs: TrackerOutcome[][] = trackers.map(() => []);
    let fitted;
    for (const i of times) {
      for (const [t, tracker] of trackers.entries()) {
        const out = tracker.observe(1_700_000_000_000 + i * 1000, i, message(i));
        if (out.fit) {
          fitted ??= await fitConvAeDeviceModel(out.fit.keys, out.fit.rows, out.fit.stepMs, QUICK);
          tracker.install(out.fit.token, fitted);
          if (t === 1) tracker.scoreByGraph();
          if (t === 2) tracker.graphUnavailable(String(await loadGraph({ ...fitted, onnx: fitted.onnx.subarray(0, 100) })));
        }
        outs[t]!.push(out);
      }
    }
    const graph = await loadGraph(fitted!);
    assert.ok(graph && typeof graph !== 'string', `the graph loads: ${String(graph)}`);
    const inProcess = outs[0]!.flatMap((o) => o.scores);
    assert.ok(outs[1]!.every((o) => o.scores.length === 0), 'a graph-scored device hands out windows, not scores');
    const windows = outs[1]!.flatMap((o) => o.windows ?? []);
    assert.ok(outs[1]!.some((o) => (o.windows?.length ?? 0) > 1), 'the message after a short silence closes several windows, scored in one run');
    const viaGraph = (await Promise.all(outs[1]!.map((o) => graph.scores((o.windows ?? []).map((w) => w.values))))).flat();
    assert.deepEqual(windows.map((w) => w.ts), inProcess.map((s) => s.ts), 'the same windows, the gap included');
    assert.ok(inProcess.length > 200, `${inProcess.length} windows`);
    inProcess.forEach((s, k) => {
      assert.ok(Math.abs(viaGraph[k]!.ratio - s.score.ratio) <= 1e-4 * Math.max(1, s.score.ratio), `window ${k}: graph ${viaGraph[k]!.ratio} vs in process ${s.score.ratio}`);
      assert.ok(Math.abs(convAeWindowScore(fitted!, windows[k]!.values).ratio - s.score.ratio) <= 1e-6 * Math.max(1, s.score.ratio), 'the fallback scores a graph window the same');
    });
    assert.ok(viaGraph[viaGraph.length - 1]!.score > 0.5, 'the fault is above the threshold');
    assert.match(trackers[2]!.status().problem ?? '', /ONNX graph cannot score \(.+\); scored by the in-process scorer/);
    assert.deepEqual(outs[2]!.flatMap((o) => o.scores).map((s) => s.score), inProcess.map((s) => s.score), 'the fallback device is still scored');
    await graph.release();
  });

  it('auto keeps the family with fewer held-out false alarms (PCA on a tie) and says why', async () => {
    const fitted = await fitDeviceModelOf('auto', KEYS, pumpRows(400), 1000, QUICK);
    const v = fitted.choice!;
    assert.equal(v.rows, 200, 'the minimum of 200 held-out rows, not 25 % of 400');
    const { pca, convAe } = v.falseAlarmRate;
    for (const far of [pca, convAe]) assert.ok(far >= 0 && far <= 1);
    assert.equal(fitted.model.family, convAe < pca - 0.02 ? 'conv-ae' : 'pca-t2q');
    assert.equal(v.chosen, fitted.model.family);
    assert.match(v.reason, /held-out false alarms on 200 rows: pca \d+\.\d %, conv-ae \d+\.\d %/);
  });

  it('auto holds out the share, at least the minimum rows, at most half the enrollment', () => {
    const v = { ...DEFAULT_DEVICE_FIT_OPTIONS.validation, validationShare: 0.25, minValidationRows: 200 };
    assert.equal(heldOutRows(400, v), 200);
    assert.equal(heldOutRows(2000, v), 500);
    assert.equal(heldOutRows(300, v), 150);
  });

  it('refuses an enrollment too short for its window, with the rows it needs', async () => {
    await assert.rejects(fitConvAeDeviceModel(KEYS, pumpRows(70), 1000, QUICK), /needs more than \d+ enrollment rows, got 70/);
  });
});
