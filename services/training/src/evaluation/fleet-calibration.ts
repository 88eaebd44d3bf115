import { fitLogisticCalibration, type LogisticCalibration } from './logistic-calibration.js';
import { quantile } from './roc.js';

/**
 * The fleet head's calibration from healthy synthetic validation clips and normal clips of
 * real machines, one vote per clip: score 0.5 at the `normalQuantile` of them all. Real
 * machines sound unlike the generators, so a calibration on synthetic clips alone puts every
 * healthy real machine above the threshold from its first clip.
 */
export function fitFleetCalibration(syntheticHealthy: readonly number[], realNormal: readonly number[], normalQuantile: number): LogisticCalibration {
  return fitLogisticCalibration([...syntheticHealthy, ...realNormal], normalQuantile);
}

/** 101 quantiles (0, 0.01 … 1) of `values`: a small stand-in for them in model metadata. */
export function quantileSketch(values: readonly number[]): number[] {
  return Array.from({ length: 101 }, (_, i) => Math.round(quantile(values, i / 100) * 1e4) / 1e4);
}

/** `count` values spread like the sketch (each of its quantiles repeated evenly). */
export function expandQuantileSketch(sketch: readonly number[], count: number): number[] {
  return Array.from({ length: count }, (_, i) => sketch[Math.min(sketch.length - 1, Math.round((i / Math.max(1, count - 1)) * (sketch.length - 1)))]!);
}
