import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { readModelMetadata } from '@premonitor/ml';
import { SeededRandom } from '@premonitor/ml/data';
import { frameLevel, standardiseFrame } from './frame-standardisation.js';
import { levelChannelInput } from './level-channel.js';
import { trainThermalIr } from './train-thermal-ir.js';
import { thermalIrPlan } from './thermal-ir-plan.js';
import type { ThermalIrPlan } from './thermal-ir-plan.js';
import type { ThermalIrSample } from './thermal-ir-sample.js';

const H = 12;
const W = 8;
const CLASSES = ['normal', 'hot', 'shadow'];

/** Smooth modules with noise; `hot` adds a bright 2×2 spot, `shadow` darkens a corner band. */
function samples(perClass: number): ThermalIrSample[] {
  const random = new SeededRandom(5);
  const out: ThermalIrSample[] = [];
  let id = 0;
  for (const label of CLASSES) {
    for (let n = 0; n < perClass; n++) {
      const level = 120 + random.uniform(-20, 20);
      const values = Float32Array.from({ length: H * W }, (_, i) => level + Math.floor(i / W) * 0.8 + random.gaussian(0, 1.5));
      if (label === 'hot') {
        const y = 1 + Math.floor(random.next() * (H - 3));
        const x = 1 + Math.floor(random.next() * (W - 3));
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) values[(y + dy) * W + x + dx]! += 25;
      }
      if (label === 'shadow') for (let i = 0; i < 3 * W; i++) values[i]! -= 18;
      out.push({ id: String(id++), label, values });
    }
  }
  return out;
}

const LEVELS = { offset: 128, scale: 64 };

function tinyPlan(): ThermalIrPlan {
  const shipped = thermalIrPlan(true);
  return { ...shipped, height: H, width: W, classifier: { ...shipped.classifier, filters: [4, 8, 8], convsPerStage: [1, 1, 2], dense: 8, epochs: 15, patience: 15, batchSize: 16, learningRate: 5e-3, levelChannel: LEVELS }, noveltyComponents: 3 };
}

test('trains both heads on in-memory samples, exports one graph that matches tfjs (with two convs in the last stage), and reports on the held-out split', async () => {
  const lines: string[] = [];
  const epochs: number[] = [];
  const data = samples(60);
  const tensorsBefore = tf.memory().numTensors;
  const model = await trainThermalIr({
    samples: data, classes: CLASSES, normalClass: 'normal', hotSpotClasses: ['hot'], quick: true, plan: tinyPlan(), now: new Date('2026-01-02T03:04:05Z'),
    log: (l) => lines.push(l), onEpoch: (p) => epochs.push(p.epoch),
  });
  assert.equal(model.name, 'thermal-ir');
  // A retraining service calls this repeatedly in one process: nothing may stay allocated.
  assert.equal(tf.memory().numTensors, tensorsBefore, `${tf.memory().numTensors - tensorsBefore} tensors left behind by a training run`);
  assert.ok(epochs.length >= 1 && epochs[0] === 1, 'progress callback per epoch');
  const report = model.report as { export_parity: { class_probs_max_abs_diff: number; novelty_error_max_rel_diff: number }; data: { split: { test: number } } };
  assert.ok(report.export_parity.class_probs_max_abs_diff < 1e-4, `class probs parity ${report.export_parity.class_probs_max_abs_diff}`);
  assert.ok(report.export_parity.novelty_error_max_rel_diff < 1e-3, `novelty parity ${report.export_parity.novelty_error_max_rel_diff}`);
  assert.equal(report.data.split.test, 36);
  // The design figures: the same exported graph on the validation split, in the report too.
  const validation = (model.report as { training: { validation: { images: number; auc: number } } }).training.validation;
  assert.equal(model.validation.images, validation.images);
  assert.equal(model.validation.anomaly.auc, validation.auc);
  assert.ok(validation.images > 0 && validation.images < 36, `validation images ${validation.images}`);
  // The toy faults are easy: both heads must separate them from normal modules.
  assert.ok(model.test.anomaly.auc > 0.9, `classifier AUC ${model.test.anomaly.auc}`);
  assert.ok(model.noveltyTest.per_class['hot']!.auc > 0.8, `unsupervised hot AUC ${model.noveltyTest.per_class['hot']!.auc}`);
  assert.equal(model.test.classification!.confusion.matrix.flat().reduce((a, b) => a + b, 0), 36);
  assert.ok(model.pictures?.some((p) => p.suffix === 'confusion' && p.png.length > 100));

  const meta = readModelMetadata(model.bytes);
  // This classifier reads the 8-bit levels too (a level channel).
  assert.deepEqual([meta.kind, meta.thermalInput, meta.frameShape, meta.classes], ['thermal', 'levels', [H, W], CLASSES]);
});

test('without a level channel the exported model gives the same scores to an image in 8-bit levels, in 16-bit counts and in °C; with one only the unsupervised head does', async () => {
  const data = samples(40);
  const oneEpoch = { ...tinyPlan().classifier, epochs: 1 };
  for (const levelChannel of [undefined, LEVELS]) {
    const plan = { ...tinyPlan(), classifier: { ...oneEpoch, levelChannel } };
    const model = await trainThermalIr({ samples: data, classes: CLASSES, normalClass: 'normal', hotSpotClasses: ['hot'], quick: true, plan, now: new Date(), log: () => undefined });
    assert.equal(readModelMetadata(model.bytes).thermalInput, levelChannel ? 'levels' : 'relative');
    const session = await ort.InferenceSession.create(model.bytes);
    try {
      const images = [data[0]!, data[45]!, data[90]!].map((s) => s.values);
      const run = async (map: (v: number) => number) => {
        const input = new Float32Array(images.length * H * W);
        images.forEach((img, i) => input.set(img.map(map), i * H * W));
        const out = await session.run({ frame: new ort.Tensor('float32', input, [images.length, H, W]) });
        return { score: [...(out['score']!.data as Float32Array)], novelty: [...(out['novelty_score']!.data as Float32Array)] };
      };
      const levels = await run((v) => v);
      const counts = await run((v) => v * 257 + 1000); // the same image as 16-bit counts
      const celsius = await run((v) => 15 + v * 0.2); // and through a range scale in °C
      for (const other of [counts, celsius]) {
        other.novelty.forEach((s, i) => assert.ok(Math.abs(s - levels.novelty[i]!) < 1e-4, `novelty score ${i}: ${s} vs ${levels.novelty[i]}`));
        const same = other.score.every((s, i) => Math.abs(s - levels.score[i]!) < 1e-4);
        assert.equal(same, !levelChannel, `classifier scores ${other.score.join(', ')} vs ${levels.score.join(', ')}`);
      }
    } finally {
      await session.release();
    }
  }
});

test('a level channel holds the raw levels beside the standardised image', () => {
  const raw = new Float32Array([100, 140, 160, 200]);
  const level = frameLevel(raw);
  const input = levelChannelInput(standardiseFrame(raw), level, { offset: 128, scale: 64 });
  assert.equal(input.length, 8);
  raw.forEach((v, i) => {
    assert.ok(Math.abs(input[2 * i]! - (v - 150) / level.spread) < 1e-6);
    assert.ok(Math.abs(input[2 * i + 1]! - (v - 128) / 64) < 1e-6);
  });
});

test('refuses samples with an unknown class, a wrong size or no normal images', async () => {
  const base = { classes: CLASSES, normalClass: 'normal', quick: true, plan: tinyPlan(), now: new Date(), log: () => undefined };
  const good = samples(2);
  await assert.rejects(trainThermalIr({ ...base, samples: [...good, { id: 'x', label: 'melted', values: new Float32Array(H * W) }] }), /unknown class 'melted'/);
  await assert.rejects(trainThermalIr({ ...base, samples: [...good, { id: 'x', label: 'hot', values: new Float32Array(5) }] }), /image x has 5 values, not 96/);
  await assert.rejects(trainThermalIr({ ...base, samples: good.filter((s) => s.label !== 'normal') }), /no 'normal' images/);
});
