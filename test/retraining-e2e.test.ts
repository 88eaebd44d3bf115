// Issue 14, "Proof on real data": start the platform, upload labelled clips of a machine the
// shipped acoustic model handles badly, watch the count trigger start a run, the run train and
// the gate promote; inference hot-swaps and the held-out microphones' clips score better (AUC
// measured before and after through the upload scoring API); the edge agent receives the new
// model; a candidate trained on shuffled labels is refused. This file: a generated machine that always runs
// (test/support/clicking-valve.ts); test/retraining-e2e-real.test.ts: real MIMII recordings. Each case takes ~2.5 min on the loaded 2-core machine.
//
// The held-out devices are other microphones of the same machine: they hear the same seconds as
// the training microphones, so the gain measures the fleet learning this machine's sound (what
// retraining on a plant's labels is for), not generalisation to a machine it never heard.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clickingValve } from './support/clicking-valve.js';
import { runRetrainingScenario } from './support/retraining-scenario.js';

describe('retraining end to end on the embedded platform', () => {
  it('a generated clicking valve (always runs): trigger, run, promotion, hot swap, edge update, shuffled labels refused', async () => {
    const outcome = await runRetrainingScenario(clickingValve());
    console.log(`generated valve: held-out ${outcome.heldOutDevices.join(', ')}; AUC before ${outcome.aucBefore.toFixed(3)}, after ${outcome.aucAfter.toFixed(3)}; shuffled: ${outcome.shuffledGate.reasons.join('; ')}`);
    assert.ok(outcome.aucAfter - outcome.aucBefore > 0, `held-out AUC did not improve: ${outcome.aucBefore} → ${outcome.aucAfter}`);
    assert.equal(outcome.shuffledGate.promote, false);
  });
});
