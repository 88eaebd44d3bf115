import { quantile } from './roc.js';

/**
 * Maps a raw reconstruction error to an anomaly probability:
 * `score = sigmoid((error − center) / scale)`. Stored in the model metadata as
 * `{ method: 'logistic', center, scale }` and computed inside the ONNX graph.
 */
export interface LogisticCalibration {
  readonly method: 'logistic';
  /** Raw error that maps to score 0.5: the decision threshold on the raw scale. */
  readonly center: number;
  /** Raw-error distance over which the score moves by one logit. */
  readonly scale: number;
  /** Quantile of the normal validation errors `center` was taken from. */
  readonly normalQuantile: number;
}

/**
 * Fits the calibration on errors of healthy validation examples only: the `normalQuantile`
 * error becomes score 0.5 (so roughly `1 − normalQuantile` of healthy machines are
 * flagged) and the median healthy error becomes score 0.05.
 */
export function fitLogisticCalibration(normalErrors: readonly number[], normalQuantile = 0.99): LogisticCalibration {
  const center = quantile(normalErrors, normalQuantile);
  const median = quantile(normalErrors, 0.5);
  // sigmoid(−ln 19) = 0.05; guard against a degenerate spread.
  const scale = Math.max((center - median) / Math.log(19), Math.abs(center) * 1e-3, 1e-9);
  return { method: 'logistic', center, scale, normalQuantile };
}

/** Applies {@link LogisticCalibration} in TypeScript, identical to the graph's Sub/Div/Sigmoid. */
export function calibrate(calibration: LogisticCalibration, error: number): number {
  return 1 / (1 + Math.exp(-(error - calibration.center) / calibration.scale));
}
