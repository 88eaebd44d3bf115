import { fitLogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { quantile } from '../evaluation/roc.js';

/** Calibrations of the general anomaly channel, the hot-spot channel and their fusion. */
export interface FusedCalibrations {
  readonly general: LogisticCalibration;
  readonly hotSpot: LogisticCalibration;
  /** Fused logit that maps to score 0.5: its `normalQuantile` on the normal validation images. */
  readonly fusedCenter: number;
}

/**
 * The fused logit of one image (as the graph computes it): the general channel's logit, raised to
 * the hot-spot channel's where that is above its own threshold (logit > 0).
 */
export function fusedLogit(general: number, hotSpot: number): number {
  return hotSpot > 0 ? Math.max(general, hotSpot) : general;
}

/**
 * Both channels calibrated on the same normal validation images (each: its `normalQuantile` is
 * logit 0), then the fused logit's own `normalQuantile` on them becomes score 0.5 — so the
 * model's threshold keeps its meaning, "1 % false alarms on validation", with two channels as
 * with one. Both error lists are per image, in the same order.
 */
export function fitFusedCalibrations(generalErrors: readonly number[], hotSpotErrors: readonly number[], normalQuantile: number): FusedCalibrations {
  if (generalErrors.length !== hotSpotErrors.length) throw new Error(`fused calibration needs one hot-spot error per image: ${generalErrors.length} vs ${hotSpotErrors.length}`);
  const general = fitLogisticCalibration(generalErrors, normalQuantile);
  const hotSpot = fitLogisticCalibration(hotSpotErrors, normalQuantile);
  const fused = generalErrors.map((e, i) => fusedLogit((e - general.center) / general.scale, (hotSpotErrors[i]! - hotSpot.center) / hotSpot.scale));
  return { general, hotSpot, fusedCenter: quantile(fused, normalQuantile) };
}
