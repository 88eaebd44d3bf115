import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelContractError } from './scoring-errors.js';
import { VIBRATION_SCORE_THRESHOLD, VibrationScorer } from './vibration-scorer.js';

const vibration = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../../models/vibration.onnx', import.meta.url))));
const thermal = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../../models/thermal.onnx', import.meta.url))));
const FAULTS = ['low+weight', 'med+weight', 'high+weight'];

/** `rows` windows of a fan at `hz` swinging `swing` g on x and y over gravity on z, row-major [rows, 200, 3]. */
function windows(rows: number, hz: number, swing: number): Float32Array {
  const out = new Float32Array(rows * 200 * 3);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < 200; i++) {
      const phase = (2 * Math.PI * hz * i) / 200 + r;
      out.set([swing * Math.cos(phase), swing * Math.sin(phase), 1], (r * 200 + i) * 3);
    }
  }
  return out;
}

describe('VibrationScorer', () => {
  it('reads the window contract and classes from the model, and refuses an unknown fault class or another kind of model', async () => {
    const scorer = await VibrationScorer.load(vibration, { faultClasses: FAULTS, intraOpThreads: 1 });
    try {
      assert.deepEqual([scorer.shape.channels, scorer.shape.steps, scorer.shape.sampleRateHz], [['x', 'y', 'z'], 200, 200]);
      assert.ok(FAULTS.every((c) => scorer.classes.includes(c)));
    } finally {
      await scorer.release();
    }
    await assert.rejects(VibrationScorer.load(vibration, { faultClasses: ['bearing'], intraOpThreads: 1 }), (err: Error) => err instanceof ModelContractError && /bearing not among/.test(err.message));
    await assert.rejects(VibrationScorer.load(thermal, { faultClasses: FAULTS, intraOpThreads: 1 }), /not a vibration window model/);
  });

  it('scores a batch: probabilities that sum to 1, the score as the larger of u/(1+u) and the fault probability', async () => {
    const scorer = await VibrationScorer.load(vibration, { faultClasses: FAULTS, intraOpThreads: 1 });
    try {
      const verdicts = await scorer.score(windows(3, 12, 1.5), 3);
      assert.equal(verdicts.length, 3);
      for (const v of verdicts) {
        const total = Object.values(v.probabilities).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(total - 1) < 1e-3, `sum ${total}`);
        const fault = FAULTS.reduce((a, c) => a + v.probabilities[c]!, 0);
        assert.ok(Math.abs(v.faultProbability - Math.min(1, fault)) < 1e-6);
        assert.equal(v.score, Math.max(v.unbalanceRatio / (1 + v.unbalanceRatio), v.faultProbability));
        assert.equal(v.predicted, Object.entries(v.probabilities).sort((a, b) => b[1] - a[1])[0]![0]);
        assert.ok(v.score > VIBRATION_SCORE_THRESHOLD, 'a 1.5 g swing is far from every healthy fan');
      }
    } finally {
      await scorer.release();
    }
  });
});
