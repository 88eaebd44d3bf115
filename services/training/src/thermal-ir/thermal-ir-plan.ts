import type { AugmentationPlan } from './frame-augmentation.js';
import type { ClassifierPlan } from './module-classifier.js';
import type { SplitFractions } from './thermal-ir-split.js';

/** Data, split and schedule of one module-image training run. */
export interface ThermalIrPlan {
  /** Frame size of the model (the data set's 24 wide × 40 high). */
  readonly height: number;
  readonly width: number;
  /** Stratified split by image id; the rest of each class is the test split. */
  readonly split: SplitFractions & { readonly seed: number };
  readonly classifier: ClassifierPlan;
  readonly augmentation: AugmentationPlan;
  /** Principal directions of the unsupervised normal-subspace model. */
  readonly noveltyComponents: number;
  /** Share of normal validation images below the decision threshold of each head (0.99: 1 % false alarms). */
  readonly normalQuantile: number;
}

/**
 * The shipped configuration, and a smoke-sized one (`quick`: few epochs, for tests and CI). Choices
 * and the figures behind them: models/README.md (thermal-ir).
 */
export function thermalIrPlan(quick: boolean, splitSeed = 1): ThermalIrPlan {
  return {
    height: 40,
    width: 24,
    split: { seed: splitSeed, train: 0.7, validation: 0.1 },
    classifier: {
      filters: [16, 32, 64],
      batchNorm: false,
      dense: 64,
      dropout: 0.3,
      epochs: quick ? 2 : 16,
      patience: 5,
      batchSize: 64,
      learningRate: 2e-3,
      finalLearningRateFraction: 0.05,
      balancePower: 0.5,
      seed: 7,
      mirrorAveraging: true,
      // The image's 8-bit levels beside the standardised image: what a whole warmer module
      // (Offline-Module) differs by. models/README.md (thermal-ir) has the figures.
      levelChannel: { offset: 128, scale: 64 },
    },
    augmentation: { flips: true, maxShift: 2, noise: 0.05 },
    noveltyComponents: 8,
    normalQuantile: 0.99,
  };
}
