import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { fitFusedCalibrations, fusedLogit } from './fused-calibration.js';

test('the fused score flags the planned share of normal validation images, as one channel alone would', () => {
  const random = new SeededRandom(3);
  // Partly independent channels: their exceedances only partly coincide.
  const general = Array.from({ length: 2000 }, () => random.gaussian(0, 1));
  const hotSpot = general.map((g) => 0.3 * g + random.gaussian(0, 1));
  const c = fitFusedCalibrations(general, hotSpot, 0.99);
  const logits = general.map((g, i) => fusedLogit((g - c.general.center) / c.general.scale, (hotSpot[i]! - c.hotSpot.center) / c.hotSpot.scale));
  const flagged = logits.filter((f) => f - c.fusedCenter > 0).length;
  assert.ok(flagged >= 18 && flagged <= 20, `${flagged} of 2000 flagged for a 1 % budget`);
  // Each channel alone flags 1 %, together more: the fused threshold sits above both channels' own.
  const either = logits.filter((f) => f > 0).length;
  assert.ok(either > 25 && c.fusedCenter > 0, `${either} above either channel's threshold; fused centre ${c.fusedCenter}`);
});

test('the hot-spot channel only raises an image above its own threshold', () => {
  assert.equal(fusedLogit(-2, -0.5), -2);
  assert.equal(fusedLogit(-2, 0.5), 0.5);
  assert.equal(fusedLogit(3, 0.5), 3);
  assert.throws(() => fitFusedCalibrations([1, 2, 3], [1, 2], 0.99), /one hot-spot error per image/);
});
