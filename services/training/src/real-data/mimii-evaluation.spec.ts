import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cut, leaveOneMachineOutFleetMedians, type MimiiEvaluation, type MimiiFleetResult } from './mimii-evaluation.js';
import { fitFleetCalibration } from '../evaluation/fleet-calibration.js';
import { summariseMimii } from './mimii-report.js';

test('cut keeps only whole clips inside the window, at the hop', () => {
  const signal = Float32Array.from({ length: 100 }, (_, i) => i);
  const clips = cut(signal, 10, 1, 2, 5, 0.5);
  // Clips of 10 samples starting at 20, 25, 30, 35, 40; one at 45 would end past 50.
  assert.deepEqual(clips.map((c) => c[0]), [20, 25, 30, 35, 40]);
  assert.ok(clips.every((c) => c.length === 10));
  assert.deepEqual(cut(signal, 10, 1, 9.5, 20, 1), []);
});

function fleet(machine: string, normalErrors: number[]): MimiiFleetResult {
  return { machine, auc: [0.5], aucSpread: { mean: 0.5, min: 0.5, max: 0.5 }, normalScoreMedian: 0, normalErrors };
}

test('a leave-one-machine-out fleet median never calibrates on the machine it reports', () => {
  const evaluation: MimiiEvaluation = {
    protocol: { clipSeconds: 1, enrollSeconds: [4], enrollHopSeconds: 1, gapSeconds: 1, testHopSeconds: 0.5 },
    enrolled: [[]],
    fleet: [fleet('quiet', [1, 1.1, 0.9]), fleet('loud', [50, 55, 60]), fleet('mid', [2, 2.2, 1.8])],
  };
  const seen: number[][] = [];
  const medians = leaveOneMachineOutFleetMedians(evaluation, (others) => {
    seen.push([...others]);
    return fitFleetCalibration([1, 1, 1, 1.2], others, 0.99);
  });
  assert.deepEqual(seen[1]!.sort((a, b) => a - b), [0.9, 1, 1.1, 1.8, 2, 2.2]);
  // The loud machine is unlike everything its calibration saw: flagged. The others are not.
  assert.ok(medians['loud']! > 0.9, `loud ${medians['loud']}`);
  assert.ok(medians['quiet']! < 0.5 && medians['mid']! < 0.5, JSON.stringify(medians));
});

test('the summary takes the first enrollment length and counts false alarms over all channels', () => {
  const evaluation: MimiiEvaluation = {
    protocol: { clipSeconds: 1, enrollSeconds: [4, 3], enrollHopSeconds: 1, gapSeconds: 1, testHopSeconds: 0.5 },
    enrolled: [
      [{ machine: 'fan', enrollSeconds: 4, enrollClips: 4, normalClips: 9, abnormalClips: 19, auc: [1, 0.9], aucSpread: { mean: 0.95, min: 0.9, max: 1 }, falseAlarms: 3, detected: 38, scores: { normal: [], abnormal: [] } }],
      [{ machine: 'fan', enrollSeconds: 3, enrollClips: 3, normalClips: 11, abnormalClips: 19, auc: [0.5, 0.5], aucSpread: { mean: 0.5, min: 0.5, max: 0.5 }, falseAlarms: 0, detected: 0, scores: { normal: [], abnormal: [] } }],
    ],
    fleet: [fleet('fan', [1])],
  };
  const s = summariseMimii(evaluation);
  assert.deepEqual(s.mimii_auc, { fan: 0.95 });
  assert.equal(s.mimii_auc_min_channel, 0.9);
  assert.equal(s.mimii_false_alarm_rate, Math.round((3 / 18) * 1e4) / 1e4);
  assert.equal(s.mimii_recall, 1);
});
