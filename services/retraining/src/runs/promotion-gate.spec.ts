import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GATE_POLICY, judgeCandidate } from './promotion-gate.js';

const policy = { ...DEFAULT_GATE_POLICY, floor: { auc: 0.8 }, tolerance: 0.02, minGain: 0.01 };

test('promotes a candidate that meets the floor, keeps the guarded metrics and beats the champion by the minimum gain', () => {
  const d = judgeCandidate({ auc: 0.9, recall_at_fpr5: 0.7 }, { auc: 0.85, recall_at_fpr5: 0.71 }, policy);
  assert.equal(d.promote, true, d.reasons.join('; '));
  assert.match(d.reasons.at(-1)!, /beats the champion's 0.8500 by 0.0500/);
});

test('refuses a candidate below the floor, one worse on a guarded metric, and one that does not gain enough', () => {
  assert.equal(judgeCandidate({ auc: 0.75, recall_at_fpr5: 0.9 }, undefined, policy).promote, false);
  const guarded = judgeCandidate({ auc: 0.95, recall_at_fpr5: 0.5 }, { auc: 0.85, recall_at_fpr5: 0.6 }, policy);
  assert.equal(guarded.promote, false);
  assert.ok(guarded.reasons.some((r) => /recall_at_fpr5 0.5000 is worse than the champion's 0.6000/.test(r)));
  const small = judgeCandidate({ auc: 0.855, recall_at_fpr5: 0.6 }, { auc: 0.85, recall_at_fpr5: 0.6 }, policy);
  assert.equal(small.promote, false);
  assert.ok(small.reasons.some((r) => /does not beat/.test(r)));
});

test('without a comparable champion only the floors decide, and the reason says why', () => {
  const d = judgeCandidate({ auc: 0.81 }, undefined, policy, 'the champion reads °C and cannot score intensity images');
  assert.equal(d.promote, true);
  assert.match(d.reasons.at(-1)!, /cannot score intensity images/);
  assert.equal(judgeCandidate({}, undefined, policy).promote, false);
});
