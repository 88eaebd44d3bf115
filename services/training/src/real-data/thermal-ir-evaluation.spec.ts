import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThermalIr, spreadOf } from './thermal-ir-evaluation.js';

const classes = { classes: ['ok', 'hot', 'dirt'], normalClass: 'ok', hotSpotClasses: ['hot'], threshold: 0.5 };
const p = (ok: number, hot: number, dirt: number) => [ok, hot, dirt];

test('pooled and per-class detection figures, the confusion matrix, accuracy and macro F1', () => {
  const images = [
    ...Array.from({ length: 100 }, (_, i) => ({ label: 'ok', score: i / 200, probs: p(0.9, 0.05, 0.05) })), // scores 0 … 0.495
    { label: 'hot', score: 0.9, probs: p(0.1, 0.8, 0.1) },
    { label: 'hot', score: 0.6, probs: p(0.2, 0.7, 0.1) },
    { label: 'dirt', score: 0.48, probs: p(0.6, 0.1, 0.3) }, // 3 normal images above, 1 tied: missed at the threshold
    { label: 'dirt', score: 0.7, probs: p(0.1, 0.6, 0.3) }, // found, but called hot
  ];
  const e = evaluateThermalIr(images, classes);
  assert.equal(e.normal_images, 100);
  assert.deepEqual([e.per_class['hot']!.auc, e.per_class['hot']!.recall_at_fpr1], [1, 1]);
  assert.equal(e.per_class['dirt']!.auc, 0.9825); // (96 wins + a tie at 0.48 + 100) / 200
  // At ≤ 1 % false alarms only 1 normal image may pass, so the 0.48 image (4 normals at or above) is missed.
  assert.deepEqual([e.per_class['dirt']!.recall_at_fpr1, e.per_class['dirt']!.recall_at_fpr5], [0.5, 1]);
  assert.deepEqual([e.anomaly.recall_at_threshold, e.anomaly.fpr_at_threshold], [0.75, 0]);
  assert.equal(e.hotspot.images, 2);
  const c = e.classification!;
  assert.deepEqual(c.confusion.matrix, [[100, 0, 0], [0, 2, 0], [1, 1, 0]]);
  assert.equal(c.accuracy, Math.round((102 / 104) * 1e4) / 1e4);
  // F1: ok 200/201, hot 4/5, dirt 0 → macro (0.995 + 0.8 + 0) / 3.
  assert.equal(c.macro_f1, Math.round(((200 / 201 + 0.8 + 0) / 3) * 1e4) / 1e4);
});

test('a detector without class probabilities gets no classification block; spread is mean ± sample sd', () => {
  const e = evaluateThermalIr([{ label: 'ok', score: 0 }, { label: 'hot', score: 1 }], classes);
  assert.equal(e.classification, undefined);
  assert.deepEqual(spreadOf([0.9, 0.92, 0.94]), { mean: 0.92, std: 0.02, min: 0.9, max: 0.94, values: [0.9, 0.92, 0.94] });
});
