import type { DetectorPlan } from './window-detectors.js';
import type { SelectionGrid } from './family-selection.js';

/** Everything the telemetry training decides up front; `quick` shrinks the autoencoder's schedule. */
export interface TelemetryPlan {
  readonly detector: DetectorPlan;
  readonly grid: SelectionGrid;
  /** SKAB protocol: rows at the start of each experiment the models train on. */
  readonly skabTrainRows: number;
  /** NAB: share of each series at its start the models train on (NAB's probationary period is 15 %). */
  readonly nabTrainShare: number;
  readonly seed: number;
}

/** The plan of `npm run train -- telemetry` (documented in models/README.md). */
export function telemetryPlan(quick: boolean): TelemetryPlan {
  return {
    detector: {
      steps: 60,
      pcaSmooth: [1, 5, 20],
      explained: 0.9,
      quantile: 0.99,
      maxLag1: 0.85,
      convAe: { filters: [16, 8], kernel: 7, epochs: quick ? 8 : 30, batchSize: 32, learningRate: 3e-3, seed: 1 },
      trainStride: 2,
      calibrationShare: 0.25,
    },
    grid: { margins: [0.8, 1, 1.25, 1.5, 2, 3], runs: [1, 3, 5, 10, 20, 30, 60] },
    skabTrainRows: 400,
    nabTrainShare: 0.15,
    seed: 1,
  };
}
