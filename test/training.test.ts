// The shipped models in models/ (written by `npm run train -- acoustic|thermal|thermal-ir`, see
// models/README.md) honour the inference I/O contract and still tell faults from health on
// freshly generated machines the training never saw.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { baselineShape, fitBaseline, packBaselineFeed, readModelMetadata } from '@premonitor/ml';
import type { BaselineSpec, ModelMetadata } from '@premonitor/ml';
import { generateAcousticClip, generateThermalFrame, toInt16Pcm } from '@premonitor/ml/data';
import type { AcousticAnomalyKind, MachineType, ThermalAnomalyKind } from '@premonitor/ml/data';
import { resizeBilinear } from '@premonitor/ml/scoring';
import { loadThermalIrDataset } from '@premonitor/training';
import { MIMII_PROTOCOL, OnnxScorer, evaluateMimii, loadMimiiMachines, mimiiFolder } from '@premonitor/training/real-data';

// Compiled to test/dist/, so the repository root is two levels up.
const modelsDir = fileURLToPath(new URL('../../models/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sharedData = process.env['PM_SHARED_DATA_DIR'] ?? `${repoRoot}../shared/data`;
const mimiiDir = mimiiFolder(sharedData);
const mimii = existsSync(mimiiDir);
if (!mimii) console.log(`SKIPPING the real-data checks: ${mimiiDir} not found (set PM_SHARED_DATA_DIR)`);
// A seed no training run uses: new machine instances, new recordings.
const FRESH_SEED = 424242;

interface Scored {
  readonly score: Float32Array;
  readonly error: Float32Array;
  readonly fleetScore: Float32Array;
  readonly embedding: Float32Array;
}

async function open(file: string): Promise<{ session: ort.InferenceSession; meta: ModelMetadata; bytes: Uint8Array }> {
  const bytes = new Uint8Array(readFileSync(`${modelsDir}${file}`));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  return { session, meta: readModelMetadata(bytes), bytes };
}

/** Runs `items` as the services do: against `baseline` when given (every item of one device), else against the fleet. */
async function run(session: ort.InferenceSession, spec: BaselineSpec, input: string, items: readonly Float32Array[], shape: readonly number[], baseline?: Float32Array): Promise<Scored> {
  const per = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(items.length * per);
  items.forEach((x, i) => data.set(x, i * per));
  const feed = packBaselineFeed(spec, items.map(() => baseline));
  const out = await session.run({
    [input]: new ort.Tensor('float32', data, [items.length, ...shape]),
    baseline: new ort.Tensor('float32', feed.baseline, [items.length, ...baselineShape(spec)]),
    enrolled: new ort.Tensor('float32', feed.enrolled, [items.length]),
  });
  for (const name of ['score', 'error', 'fleet_score']) assert.deepEqual(out[name]!.dims, [items.length], `${name} is [N]`);
  assert.deepEqual(out['embedding']!.dims, [items.length, spec.embedding], 'embedding is [N, D]');
  return { score: out['score']!.data as Float32Array, error: out['error']!.data as Float32Array, fleetScore: out['fleet_score']!.data as Float32Array, embedding: out['embedding']!.data as Float32Array };
}

/** Enrolls one device as the inference service does: healthy items scored against the fleet, their embeddings fitted. */
async function enroll(session: ort.InferenceSession, spec: BaselineSpec, input: string, healthy: readonly Float32Array[], shape: readonly number[]): Promise<Float32Array> {
  const out = await run(session, spec, input, healthy, shape);
  const accepted = healthy.map((_, i) => out.embedding.slice(i * spec.embedding, (i + 1) * spec.embedding)).filter((_, i) => out.fleetScore[i]! < 0.5);
  assert.ok(accepted.length >= spec.frames, `only ${accepted.length} of ${healthy.length} enrollment items pass the fleet model`);
  return fitBaseline(spec, accepted.slice(0, spec.frames));
}

/** Share of (faulty, healthy) pairs ranked the right way: the AUC of two score sets. */
function auc(faulty: Float32Array, healthy: Float32Array): number {
  let wins = 0;
  for (const a of faulty) for (const n of healthy) wins += a > n ? 1 : a === n ? 0.5 : 0;
  return wins / (faulty.length * healthy.length);
}

function specOf(meta: ModelMetadata): BaselineSpec {
  assert.ok(meta.baseline, 'the model declares its per-device baseline');
  return meta.baseline;
}

function mean(values: Float32Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function assertCommonMetadata(meta: ModelMetadata, kind: string): void {
  assert.equal(meta.kind, kind);
  assert.match(meta.version, /^\d{8}-\d{6}/);
  assert.equal(meta.threshold, 0.5);
  assert.equal(meta.calibration?.['method'], 'logistic');
  assert.equal(typeof meta.calibration?.['center'], 'number');
  assert.ok(Number(meta.calibration?.['scale']) > 0);
  assert.match(meta.trainingDataFingerprint ?? '', /^[0-9a-f]{64}$/);
  assert.ok((meta.metrics?.['auc'] ?? 0) > 0.5, 'metrics carry the evaluation AUC');
}

/** Float PCM exactly as the edge sends it: int16 samples / 32768. */
function pcm(machineType: MachineType, instanceId: number, clipIndex: number, snrDb: number, kind?: AcousticAnomalyKind): Float32Array {
  const clip = generateAcousticClip({ machineType, instanceId, seed: FRESH_SEED, clipIndex, snrDb, anomaly: kind ? { kind, severity: 1 } : undefined });
  return Float32Array.from(toInt16Pcm(clip), (v) => v / 32768);
}

for (const file of ['acoustic.onnx', 'acoustic.int8.onnx']) {
  describe(`shipped ${file}`, () => {
    it('takes pcm [N, 16000] and returns score and error [N] with complete metadata', async () => {
      const { session, meta } = await open(file);
      assert.deepEqual([...session.inputNames].sort(), ['baseline', 'enrolled', 'pcm']);
      for (const o of ['score', 'error', 'fleet_score', 'embedding']) assert.ok(session.outputNames.includes(o), `output ${o}`);
      assertCommonMetadata(meta, 'acoustic');
      assert.equal(meta.sampleRate, 16000);
      assert.deepEqual(meta.frameShape, [16000]);
      assert.equal(meta.inputs[0]?.name, 'pcm');
      assert.deepEqual(meta.inputs[0]?.shape, ['batch', 16000]);
      assert.equal(specOf(meta).method, 'mean');
      await session.release();
    });

    it('scores fresh faulty clips (bearing, cavitation, clicks at 6 dB) above fresh healthy ones, against the fleet', async () => {
      const { session, meta } = await open(file);
      const spec = specOf(meta);
      const types: MachineType[] = ['fan', 'pump', 'compressor', 'motor'];
      const normal = types.flatMap((t) => [0, 1].map((c) => pcm(t, 0, c, 6)));
      const faulty = types.flatMap((t) => (['bearing', 'cavitation', 'clicks'] as const).map((k, c) => pcm(t, 0, 10 + c, 6, k)));
      const n = await run(session, spec, 'pcm', normal, [16000]);
      const a = await run(session, spec, 'pcm', faulty, [16000]);
      for (const s of [...n.score, ...a.score]) assert.ok(s >= 0 && s <= 1, `score ${s} outside [0, 1]`);
      assert.ok(mean(a.score) > mean(n.score), `faulty mean score ${mean(a.score)} should exceed healthy ${mean(n.score)}`);
      assert.ok(mean(a.error) > mean(n.error), `faulty mean error ${mean(a.error)} should exceed healthy ${mean(n.error)}`);
      await session.release();
    });
  });
}

describe('shipped acoustic.onnx', () => {
  it('scores fresh low-frequency tonal faults (imbalance, looseness at 0 dB) above fresh healthy clips of the same machines', async () => {
    // What the clip-level low-band peak profile was added for: the frame model alone ranked
    // these barely above healthy on unseen machines (held-out AUC 0.67 / 0.76).
    const { session, meta } = await open('acoustic.onnx');
    const spec = specOf(meta);
    const types: MachineType[] = ['fan', 'pump', 'compressor', 'motor'];
    const normal = types.flatMap((t) => [2, 3].flatMap((i) => [0, 1].map((c) => pcm(t, i, c, 0))));
    const faulty = types.flatMap((t) => [2, 3].flatMap((i) => (['imbalance', 'looseness'] as const).map((k, c) => pcm(t, i, 20 + c, 0, k))));
    const n = await run(session, spec, 'pcm', normal, [16000]);
    const a = await run(session, spec, 'pcm', faulty, [16000]);
    assert.ok(mean(a.error) > mean(n.error), `faulty mean error ${mean(a.error)} should exceed healthy ${mean(n.error)}`);
    await session.release();
  });

  it('ranks a machine\'s faults better against its own enrolled baseline than against the fleet', async () => {
    // Why baselines exist: a 1× rise or a looseness pattern on one quiet machine stays inside
    // the fleet's spread. Enrolled from its own healthy clips, the same machine stands out.
    const { session, meta } = await open('acoustic.onnx');
    const spec = specOf(meta);
    const faults = ['imbalance', 'looseness', 'bearing'] as const;
    const device: number[] = [];
    const fleet: number[] = [];
    for (const t of ['fan', 'pump', 'compressor', 'motor'] as const) {
      const baseline = await enroll(session, spec, 'pcm', Array.from({ length: spec.frames + 4 }, (_, c) => pcm(t, 5, 1000 + c, 6)), [16000]);
      const normal = Array.from({ length: 6 }, (_, c) => pcm(t, 5, c, 6));
      const faulty = faults.flatMap((k, j) => [0, 1].map((c) => pcm(t, 5, 30 + 2 * j + c, 6, k)));
      const [n, a] = [await run(session, spec, 'pcm', normal, [16000], baseline), await run(session, spec, 'pcm', faulty, [16000], baseline)];
      const [nf, af] = [await run(session, spec, 'pcm', normal, [16000]), await run(session, spec, 'pcm', faulty, [16000])];
      device.push(auc(a.score, n.score));
      fleet.push(auc(af.score, nf.score));
      // Scoring against a baseline leaves the fleet score as it was.
      n.fleetScore.forEach((f, i) => assert.ok(Math.abs(f - nf.score[i]!) < 1e-5));
    }
    const [d, f] = [device.reduce((x, y) => x + y) / device.length, fleet.reduce((x, y) => x + y) / fleet.length];
    assert.ok(d > f, `mean AUC against the device's baseline ${d.toFixed(3)} should beat the fleet's ${f.toFixed(3)}`);
    assert.ok(d >= 0.9, `mean AUC against the device's baseline ${d.toFixed(3)}`);
    await session.release();
  });
});

describe('shipped acoustic.onnx, per-device thresholds', () => {
  it('scores an enrolled clip exactly as its baseline\'s own threshold says (graph and fitBaseline agree)', async () => {
    const { session, meta } = await open('acoustic.onnx');
    const spec = specOf(meta);
    assert.ok(spec.threshold, 'the acoustic baseline carries a per-device threshold');
    assert.deepEqual(baselineShape(spec), [2, spec.embedding]);
    const baseline = await enroll(session, spec, 'pcm', Array.from({ length: spec.frames + 4 }, (_, c) => pcm('pump', 6, 1000 + c, 0)), [16000]);
    const [center, scale] = [baseline[spec.embedding]!, baseline[spec.embedding + 1]!];
    assert.ok(Number.isFinite(center) && scale > 0, `threshold row [${center}, ${scale}]`);
    const clips = [pcm('pump', 6, 3, 0), pcm('pump', 6, 4, 0), pcm('pump', 6, 40, 0, 'bearing')];
    const out = await run(session, spec, 'pcm', clips, [16000], baseline);
    clips.forEach((_, i) => {
      const e = out.embedding.subarray(i * spec.embedding, (i + 1) * spec.embedding);
      let sum = 0;
      for (let j = 0; j < spec.embedding; j++) sum += (e[j]! - baseline[j]!) ** 2;
      const error = Math.log(sum / spec.embedding);
      assert.ok(Math.abs(out.error[i]! - error) < 1e-3, `device error ${out.error[i]} vs ln distance ${error}`);
      const score = 1 / (1 + Math.exp(-(error - center) / scale));
      assert.ok(Math.abs(out.score[i]! - score) < 1e-4, `device score ${out.score[i]} vs ${score}`);
    });
    assert.ok(out.score[2]! > 0.5 && out.score[0]! < 0.5 && out.score[1]! < 0.5, `healthy ${out.score[0]}, ${out.score[1]}; bearing fault ${out.score[2]}`);
    // A laxer target (more false alarms a day) lowers the device's threshold.
    const embeddings = (await run(session, spec, 'pcm', Array.from({ length: spec.frames }, (_, c) => pcm('pump', 6, 1000 + c, 0)), [16000])).embedding;
    const rows = Array.from({ length: spec.frames }, (_, i) => embeddings.slice(i * spec.embedding, (i + 1) * spec.embedding));
    const lax = fitBaseline(spec, rows, { threshold: { falseAlarmsPerDay: 100 } });
    assert.ok(lax[spec.embedding]! < fitBaseline(spec, rows)[spec.embedding]!);
    await session.release();
  });

  it('detects the real MIMII machines\' anomalies once each channel is enrolled from its own first seconds', { skip: mimii ? false : `no MIMII recordings in ${mimiiDir}` }, async () => {
    const bytes = new Uint8Array(readFileSync(`${modelsDir}acoustic.onnx`));
    const spec = specOf(readModelMetadata(bytes));
    const machines = await loadMimiiMachines(mimiiDir, 2);
    const scorer = await OnnxScorer.create(bytes, 'pcm', [16000]);
    try {
      const evaluation = await evaluateMimii(scorer, spec, machines, { ...MIMII_PROTOCOL, enrollSeconds: [4] });
      for (const m of evaluation.enrolled[0]!) assert.ok(m.aucSpread.min >= 0.85, `${m.machine}: AUC ${m.auc.join(', ')} on channels 0–1`);
      const medians = evaluation.fleet.map((f) => f.normalScoreMedian).sort((a, b) => a - b);
      assert.ok(medians[medians.length >> 1]! < 0.5, `median fleet score of normal real clips per machine: ${medians.join(', ')}`);
    } finally {
      await scorer.close();
    }
  });
});

describe('shipped acoustic.int8.onnx', () => {
  it('is smaller than float32 and scores the same clips within 5 % of its error', async () => {
    const float = await open('acoustic.onnx');
    const int8 = await open('acoustic.int8.onnx');
    assert.ok(int8.bytes.length < float.bytes.length * 0.8, `int8 ${int8.bytes.length} B vs float32 ${float.bytes.length} B`);
    const clips = [pcm('pump', 1, 0, 0), pcm('fan', 1, 1, -6, 'leak')];
    const f = await run(float.session, specOf(float.meta), 'pcm', clips, [16000]);
    const q = await run(int8.session, specOf(int8.meta), 'pcm', clips, [16000]);
    f.error.forEach((e, i) => assert.ok(Math.abs(q.error[i]! - e) <= 0.05 * e, `clip ${i}: int8 error ${q.error[i]} vs float32 ${e}`));
    await float.session.release();
    await int8.session.release();
  });
});

describe('shipped thermal.onnx', () => {
  const frame = (instanceId: number, t: number, kind?: ThermalAnomalyKind): Float32Array =>
    generateThermalFrame({ width: 32, height: 24, instanceId, seed: FRESH_SEED, episode: 0, t, anomaly: kind ? { kind, severity: 1, onsetT: 0, rampFrames: 0 } : undefined });

  it('takes frame [N, 24, 32] in °C and returns score and error [N] with complete metadata', async () => {
    const { session, meta } = await open('thermal.onnx');
    assert.deepEqual([...session.inputNames].sort(), ['baseline', 'enrolled', 'frame']);
    for (const o of ['score', 'error', 'fleet_score', 'embedding']) assert.ok(session.outputNames.includes(o), `output ${o}`);
    assertCommonMetadata(meta, 'thermal');
    assert.deepEqual(meta.frameShape, [24, 32]);
    assert.equal(meta.inputs[0]?.name, 'frame');
    assert.deepEqual(meta.inputs[0]?.shape, ['batch', 24, 32]);
    assert.equal(specOf(meta).method, 'subspace');
    await session.release();
  });

  it('scores fresh hotspot and overheating frames above fresh healthy ones, against the fleet', async () => {
    const { session, meta } = await open('thermal.onnx');
    const spec = specOf(meta);
    const normal = [0, 1, 2].flatMap((i) => [0, 40, 80].map((t) => frame(i, t)));
    const faulty = [0, 1, 2].flatMap((i) => (['hotspot', 'overheating'] as const).map((k) => frame(i, 40, k)));
    const n = await run(session, spec, 'frame', normal, [24, 32]);
    const a = await run(session, spec, 'frame', faulty, [24, 32]);
    for (const s of [...n.score, ...a.score]) assert.ok(s >= 0 && s <= 1, `score ${s} outside [0, 1]`);
    assert.ok(mean(a.error) > mean(n.error), `faulty mean error ${mean(a.error)} should exceed healthy ${mean(n.error)}`);
    assert.ok(mean(a.score) > mean(n.score), `faulty mean score ${mean(a.score)} should exceed healthy ${mean(n.score)}`);
    await session.release();
  });

  it('once a camera is enrolled from its own healthy episodes, flags its faults and passes its healthy frames', async () => {
    const { session, meta } = await open('thermal.onnx');
    const spec = specOf(meta);
    const enrollFrame = (i: number, episode: number, t: number) => generateThermalFrame({ width: 32, height: 24, instanceId: i, seed: FRESH_SEED, episode, t });
    for (const i of [3, 4]) {
      const healthyEpisodes = Array.from({ length: spec.frames + 10 }, (_, k) => enrollFrame(i, 100 + (k % 2), 4 * Math.floor(k / 2)));
      const baseline = await enroll(session, spec, 'frame', healthyEpisodes, [24, 32]);
      const normal = [0, 30, 60, 90, 120].map((t) => frame(i, t));
      const faulty = (['hotspot', 'overheating', 'cooling_failure'] as const).map((k) => frame(i, 60, k));
      const n = await run(session, spec, 'frame', normal, [24, 32], baseline);
      const a = await run(session, spec, 'frame', faulty, [24, 32], baseline);
      assert.ok(Math.min(...a.score) > Math.max(...n.score), `camera ${i}: faulty scores ${[...a.score].map((x) => x.toFixed(3))} should all exceed healthy ${[...n.score].map((x) => x.toFixed(3))}`);
    }
    await session.release();
  });
});

describe('shipped evaluation reports', () => {
  for (const kind of ['acoustic', 'thermal']) {
    it(`${kind}: the JSON report matches the model version and the picture is a PNG`, () => {
      const report = JSON.parse(readFileSync(`${modelsDir}${kind}.report.json`, 'utf8')) as { version: string; overall: { auc: number } };
      const meta = readModelMetadata(new Uint8Array(readFileSync(`${modelsDir}${kind}.onnx`)));
      assert.equal(report.version, meta.version);
      assert.ok(report.overall.auc > 0.5);
      const png = readFileSync(`${modelsDir}${kind}.png`);
      assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    });
  }
});

describe('shipped thermal-ir.onnx', () => {
  const sharedIr = resolve(sharedData, 'thermal-ir');

  it('takes frame [N, 40, 24] in the image\'s own 8-bit levels and returns score, error and the 12 class probabilities', async () => {
    const { session, meta } = await open('thermal-ir.onnx');
    assert.deepEqual([...session.inputNames], ['frame']);
    for (const o of ['score', 'error', 'class_probs', 'anomaly_probability', 'novelty_score', 'novelty_error']) assert.ok(session.outputNames.includes(o), `output ${o}`);
    assertCommonMetadata(meta, 'thermal');
    assert.deepEqual([meta.frameShape, meta.thermalInput, meta.classes?.length, meta.classes?.[0]], [[40, 24], 'levels', 12, 'No-Anomaly']);
    await session.release();
  });

  it('reads the level of the image (a whole module warmer), while its unsupervised head still reads any linear scale alike', async () => {
    const { session } = await open('thermal-ir.onnx');
    const scene = generateThermalFrame({ width: 32, height: 24, instanceId: 1, seed: FRESH_SEED, episode: 0, t: 10, anomaly: { kind: 'hotspot', severity: 1, onsetT: 0, rampFrames: 0 } });
    const frame = resizeBilinear(scene, 32, 24, 24, 40).map((c) => (c - 10) * 4); // as 8-bit levels
    const outputs = async (values: Float32Array) => {
      const out = await session.run({ frame: new ort.Tensor('float32', values, [1, 40, 24]) });
      return { score: out['score']!.data[0] as number, error: out['error']!.data[0] as number, novelty: out['novelty_score']!.data[0] as number };
    };
    const levels = await outputs(frame);
    assert.ok(levels.score >= 0 && levels.score <= 1);
    const warmer = await outputs(frame.map((v) => v + 40));
    assert.ok(Math.abs(warmer.novelty - levels.novelty) < 1e-4, 'the unsupervised head ignores the level');
    // The anomaly log-odds, not the score: a synthetic scene may saturate the score near 1.
    assert.ok(Math.abs(warmer.error - levels.error) > 1e-2, `the classifier reads the level: log-odds ${warmer.error} vs ${levels.error}`);
    await session.release();
  });

  it('ranks real hot-spot modules above normal ones (thermal-ir images, when the shared data is present)', { skip: !existsSync(sharedIr) && `${sharedIr} not found (set PM_SHARED_DATA_DIR)` }, async () => {
    const { session } = await open('thermal-ir.onnx');
    const samples = await loadThermalIrDataset({ dir: sharedIr, width: 24, height: 40, classes: ['No-Anomaly', 'Hot-Spot-Multi', 'Offline-Module'], perClassLimit: 60 });
    const score = async (label: string) => {
      const items = samples.filter((s) => s.label === label);
      const data = new Float32Array(items.length * 960);
      items.forEach((s, i) => data.set(s.values, i * 960));
      return (await session.run({ frame: new ort.Tensor('float32', data, [items.length, 40, 24]) }))['score']!.data as Float32Array;
    };
    const normal = await score('No-Anomaly');
    // Mostly images the model trained on: this checks the shipped file, not generalisation (see models/README.md).
    assert.ok(auc(await score('Hot-Spot-Multi'), normal) > 0.9);
    assert.ok(auc(await score('Offline-Module'), normal) > 0.7);
    await session.release();
  });
});
