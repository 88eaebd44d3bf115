import type { VibrationFeatureSpec } from '@premonitor/ml';
import type { SoftmaxRegressionOptions } from './softmax-regression.js';

/** What `npm run train -- vibration` fixes up front (documented in models/README.md). */
export interface VibrationPlan {
  readonly features: VibrationFeatureSpec;
  /** Share of each class's windows, earliest first, that train. */
  readonly trainShare: number;
  readonly classifier: SoftmaxRegressionOptions;
  /** Shrinkage of each healthy condition's covariance toward a scaled identity. */
  readonly shrinkage: number;
  /** `unbalance_score` 1 sits at this quantile of the training distances times `margin`. */
  readonly quantile: number;
  readonly margin: number;
  /** Sample rate of the recordings, Hz (≈ 200 samples per second). */
  readonly sampleRateHz: number;
}

export function vibrationPlan(quick: boolean): VibrationPlan {
  return {
    features: { samples: 200, channels: 3, bands: 20 },
    trainShare: 0.7,
    classifier: { iterations: quick ? 100 : 400, learningRate: 0.5, l2: 1e-3 },
    shrinkage: 0.05,
    quantile: 0.99,
    margin: 1.5,
    sampleRateHz: 200,
  };
}
