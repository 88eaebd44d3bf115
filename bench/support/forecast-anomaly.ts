import { applyScaler, fitPcaT2Q, fitStandardScaler, pointStatistics, residualThreshold } from '@premonitor/ml';

/** Values per row of the delay embedding. */
const LAGS = 12;

/**
 * A stand-in, offline, for the telemetry scoring service's per-device score on a univariate
 * series (NAB has one sensor per file and no scoring service runs in the bench): the same
 * closed-form family, PCA T²+Q, fitted on the device's own training span, over a delay
 * embedding (each row the last 12 values, so the "channels" are lags). Threshold as the
 * telemetry recipe: the 0.99 quantile of the training errors × 1.25; the score is as
 * telemetry-scoring's, r / (1 + r) with r = error ÷ threshold, so 0.5 is the alarm threshold.
 * NaN where a row is incomplete.
 */
export function delayEmbeddingScores(y: ArrayLike<number>, fitFrom: number, fitTo: number): Float64Array {
  const rowsOf = (from: number, to: number) => {
    const index: number[] = [];
    const data: number[] = [];
    for (let t = Math.max(from, LAGS - 1); t < to; t++) {
      const row = Array.from({ length: LAGS }, (_, k) => y[t - k]!);
      if (row.every(Number.isFinite)) (index.push(t), data.push(...row));
    }
    return { index, data: Float64Array.from(data) };
  };
  const fit = rowsOf(fitFrom, fitTo);
  const scaler = fitStandardScaler(fit.data, LAGS);
  const model = fitPcaT2Q(scaler, applyScaler(scaler, fit.data));
  const errors = (data: Float64Array) => {
    const { t2, q } = pointStatistics(model, applyScaler(scaler, data));
    return Float64Array.from(t2, (v, i) => v / model.t2Mean + q[i]! / model.qMean);
  };
  const threshold = residualThreshold(errors(fit.data), 0.99, 1.25);
  const all = rowsOf(0, y.length);
  const out = new Float64Array(y.length).fill(Number.NaN);
  errors(all.data).forEach((e, i) => {
    const ratio = e / threshold;
    out[all.index[i]!] = ratio / (1 + ratio);
  });
  return out;
}
