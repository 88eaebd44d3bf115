import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlignedSeries } from '../series/align-series.js';
import { judgeForecaster, type GatedForecaster } from './forecast-gate.js';

const STEP = 60_000;
// A line: value i at step i; validation from step 80 of 100.
const series: AlignedSeries = { start: 0, stepMs: STEP, columns: [Float64Array.from({ length: 100 }, (_, i) => i)], filled: 0 };
const VALIDATION_START = 80 * STEP;

/** A forecaster whose every forecast is the truth plus `bias` (`inputKeys`/`stepMs` as given). */
function biased(bias: number, spec: { inputKeys?: string[]; stepMs?: number } = {}): GatedForecaster {
  const full = { inputKeys: spec.inputKeys ?? ['temperature'], stepMs: spec.stepMs ?? STEP, horizon: 3 };
  return {
    spec: full as unknown as GatedForecaster['spec'],
    forecastAt: async (columns, start, origins) =>
      origins.map((o) => Array.from({ length: 3 }, (_, h) => ({ step: h + 1, targetTime: start + (o + h + 1) * STEP, hoursAhead: 0, predicted: Number(columns[0]![o + h + 1]) + bias, lower: 0, upper: 0 }))),
  };
}

test('promotes a retrain whose backtest MAE is within the tolerance of the champion on the same origins', async () => {
  const d = await judgeForecaster(biased(1.04), { version: 'old', forecaster: biased(1) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 });
  assert.equal(d.promote, true);
  assert.equal(d.origins, 17, 'origins 80 … 96: every one with a full horizon of known targets');
  assert.ok(Math.abs(d.candidateMae! - 1.04) < 1e-9 && Math.abs(d.championMae! - 1) < 1e-9);
});

test('keeps a retrain worse than the champion by more than the tolerance as a candidate, saying why', async () => {
  const d = await judgeForecaster(biased(2), { version: 'old', forecaster: biased(1) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 });
  assert.equal(d.promote, false);
  assert.match(d.reasons[0]!, /backtest MAE 2\.000 is worse than champion old's 1\.000 by more than 5\.0 % or 1\.0 % of the target's spread/);
});

test('does not count a difference below the noise share of the target\'s spread against a near-perfect champion', async () => {
  // 0.02 vs 0.01: twice as bad relatively, but 0.01 is well under 1 % of the line's spread (≈ 5.8).
  assert.equal((await judgeForecaster(biased(0.02), { version: 'old', forecaster: biased(0.01) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 })).promote, true);
  assert.equal((await judgeForecaster(biased(0.02), { version: 'old', forecaster: biased(0.01) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0 })).promote, false);
});

test('promotes without a comparable champion (none, other inputs, another step) and says so', async () => {
  assert.match((await judgeForecaster(biased(9), undefined, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 })).reasons[0]!, /no production forecaster/);
  const otherInputs = await judgeForecaster(biased(9), { version: 'old', forecaster: biased(0, { inputKeys: ['temperature', 'vibration'] }) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 });
  assert.deepEqual([otherInputs.promote, /not comparable/.test(otherInputs.reasons[0]!)], [true, true]);
  const otherStep = await judgeForecaster(biased(9), { version: 'old', forecaster: biased(0, { stepMs: 2 * STEP }) }, series, VALIDATION_START, { tolerance: 0.05, noiseShare: 0.01 });
  assert.equal(otherStep.promote, true);
});
