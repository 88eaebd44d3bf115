import { ConvAeWindowScorer, type ConvAeDeviceModel } from './conv-ae-device-model.js';
import { applyScaler, buildTelemetryModel, correlationTime, fitPcaT2Q, fitStandardScaler, lag1Autocorrelation, pointStatistics, residualThreshold, windowScore, type PcaT2Q, type WindowScore } from '@premonitor/ml';

// The score mapping and its threshold live in @premonitor/ml: the edge agent scores with the same.
export { SCORE_THRESHOLD, windowScore, type WindowScore } from '@premonitor/ml';

/** How a device's model is fitted from its healthy rows; defaults follow models/README.md (telemetry). */
export interface DeviceModelOptions {
  /** Rows averaged into one window error (the PCA family's smoothing span). */
  readonly windowSteps: number;
  /** Share of the variance the PCA keeps. */
  readonly explained: number;
  /** Quantile of the healthy window errors that, times `margin`, is the threshold. */
  readonly quantile: number;
  readonly margin: number;
  /**
   * Channels whose lag-1 autocorrelation over the enrollment rows exceeds this are not read
   * (a temperature warming through a run: a short healthy span cannot tell its drift from a
   * fault — the `fast` channel set of the telemetry training). At least one channel stays.
   */
  readonly maxLag1: number;
  /**
   * Channels whose correlation time over the enrollment rows (1 + 2 Σ of the autocorrelations at
   * lags 1…windowSteps) reaches this many windows are not read either: such a channel moves as
   * one piece for a whole window, so the enrollment holds only a few independent looks at it and
   * its level afterwards cannot be told from a fault (a quantised temperature that flickers
   * between two levels passes the lag-1 test but not this one). 0 turns the test off.
   */
  readonly maxCorrelationWindows: number;
}

export const DEFAULT_DEVICE_MODEL_OPTIONS: DeviceModelOptions = Object.freeze({ windowSteps: 20, explained: 0.9, quantile: 0.99, margin: 1, maxLag1: 0.85, maxCorrelationWindows: 1 });

/** A model's version: its family and a stamp (when its enrollment completed), the same in the service's status, its ONNX graph and on the edge. */
export function modelVersion(family: DeviceModel['family'], stamp: string): string {
  return `${family}-${stamp}`;
}

/** The stamp of a model whose enrollment completed at `ms`: `20261206T133229679Z`. */
export function versionStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/** Abnormal windows in a row before a point alarms (fusion's `telemetry-anomaly` rule: k = m = 3); the exported graphs carry it as `window.run`. */
export const ALARM_RUN = 3;

/** A device's fitted PCA T²+Q model, as stored (JSON) and as scored. */
export interface PcaDeviceModel {
  readonly family: 'pca-t2q';
  /** Every sensor the device had at enrollment, in the order rows are given. */
  readonly keys: readonly string[];
  /** The sensors the model reads (a subset of `keys`, in order). */
  readonly sensors: readonly string[];
  readonly windowSteps: number;
  /** Window error at the alarm threshold. */
  readonly errorThreshold: number;
  readonly pca: PcaT2Q;
  /**
   * The same model as a telemetry ONNX graph for the edge (scaler, PCA and threshold inside, the
   * window contract in its metadata); absent for a one-sensor model (scored as a duplicated
   * channel, which the window contract cannot say) and for models fitted without their step.
   */
  readonly onnx?: Uint8Array;
}

/** A device's fitted model: the closed-form PCA T²+Q or the conv autoencoder (`TELEMETRY_DEVICE_MODEL`). */
export type DeviceModel = PcaDeviceModel | ConvAeDeviceModel;

/**
 * Fits a device's PCA model on its enrollment rows (row-major `[rows, keys.length]`, all finite):
 * channel choice, standardisation, PCA T²+Q, and the threshold from its own window errors. With
 * `edge` (the rows' step and the version stamp), the model also carries its ONNX graph for the edge agent.
 */
export function fitDeviceModel(keys: readonly string[], rows: Float64Array, options: DeviceModelOptions = DEFAULT_DEVICE_MODEL_OPTIONS, edge?: { readonly stepMs: number; readonly stamp: string }): PcaDeviceModel {
  const n = rows.length / keys.length;
  const kept = readableSensors(keys, rows, options);
  const picked = pickColumns(rows, keys.length, kept);
  const scaler = fitStandardScaler(picked, kept.length);
  const scaled = applyScaler(scaler, picked);
  // One channel has no residual subspace: PCA needs two; a univariate device is scored by T² of a duplicated channel.
  const pca = kept.length === 1 ? univariate(scaler, scaled) : fitPcaT2Q(scaler, scaled, { explained: options.explained });
  const { t2, q } = pointStatistics(pca, kept.length === 1 ? duplicate(scaled) : scaled);
  const point = Float64Array.from(t2, (v, i) => v / pca.t2Mean + q[i]! / pca.qMean);
  const errors = new Float64Array(Math.max(0, n - options.windowSteps + 1));
  for (let w = 0; w < errors.length; w++) {
    let s = 0;
    for (let i = 0; i < options.windowSteps; i++) s += point[w + i]!;
    errors[w] = s / options.windowSteps;
  }
  const errorThreshold = Math.max(residualThreshold(errors, options.quantile, options.margin), 1e-9);
  const sensors = kept.map((i) => keys[i]!);
  const model: PcaDeviceModel = { family: 'pca-t2q', keys: [...keys], sensors, windowSteps: options.windowSteps, errorThreshold, pca };
  if (edge === undefined || sensors.length < 2) return model;
  const steps = options.windowSteps;
  const onnx = buildTelemetryModel({
    scaler: pca.scaler,
    family: { kind: 'pca-t2q', model: pca, smooth: steps },
    threshold: errorThreshold,
    metadata: {
      kind: 'telemetry',
      version: modelVersion('pca-t2q', edge.stamp),
      inputs: [{ name: 'window', type: 'float32', shape: ['batch', steps, sensors.length] }],
      threshold: errorThreshold,
      window: { channels: sensors, steps, stepSeconds: edge.stepMs / 1000, run: ALARM_RUN, family: 'device/pca-t2q' },
    },
  });
  return { ...model, onnx };
}

/**
 * Indices of the sensors a model reads: those that are neither slow drifters nor long-correlated
 * (see {@link DeviceModelOptions}); every family reads the same ones, so they compare fairly.
 */
export function readableSensors(keys: readonly string[], rows: Float64Array, options: DeviceModelOptions): number[] {
  const c = keys.length;
  const slow = (i: number) => lag1Autocorrelation(rows, c, i) > options.maxLag1 || (options.maxCorrelationWindows > 0 && correlationTime(rows, c, i, options.windowSteps) >= options.maxCorrelationWindows * options.windowSteps);
  const kept = keys.map((_, i) => i).filter((i) => !slow(i));
  if (kept.length > 0) return kept;
  return [keys.map((_, i) => i).reduce((best, i) => (lag1Autocorrelation(rows, c, i) < lag1Autocorrelation(rows, c, best) ? i : best), 0)];
}

/** Row-major `[rows, columns.length]` copy of the given columns. */
export function pickColumns(rows: Float64Array, width: number, columns: readonly number[]): Float64Array {
  const n = rows.length / width;
  const picked = new Float64Array(n * columns.length);
  for (let r = 0; r < n; r++) columns.forEach((col, k) => (picked[r * columns.length + k] = rows[r * width + col]!));
  return picked;
}

/** PCA of a single channel, written as two identical channels with one component. */
function univariate(scaler: PcaT2Q['scaler'], scaled: Float32Array): PcaT2Q {
  const s2 = { mean: Float32Array.of(scaler.mean[0]!, scaler.mean[0]!), scale: Float32Array.of(scaler.scale[0]!, scaler.scale[0]!) };
  return fitPcaT2Q(s2, duplicate(scaled), { explained: 0.5 });
}

function duplicate(scaled: ArrayLike<number>): Float32Array {
  const out = new Float32Array(scaled.length * 2);
  for (let i = 0; i < scaled.length; i++) out[2 * i] = out[2 * i + 1] = scaled[i]!;
  return out;
}

/** What scores a device's rows as they come; `push` returns undefined until a full window follows the last `reset` (a long gap). */
export interface RowScorer {
  reset(): void;
  push(values: ArrayLike<number>): WindowScore | undefined;
}

/** The scorer of a fitted model, whichever its family. */
export function windowScorer(model: DeviceModel): RowScorer {
  return model.family === 'conv-ae' ? new ConvAeWindowScorer(model) : new WindowScorer(model);
}

/** Scores a PCA model's rows as they come: each row's T²+Q, averaged over the last `windowSteps` rows. */
export class WindowScorer implements RowScorer {
  readonly #model: PcaDeviceModel;
  readonly #columns: readonly number[];
  readonly #points: Float64Array;
  readonly #row: Float32Array;
  #filled = 0;
  #next = 0;

  constructor(model: PcaDeviceModel) {
    this.#model = model;
    this.#columns = model.sensors.map((s) => model.keys.indexOf(s));
    this.#points = new Float64Array(model.windowSteps);
    this.#row = new Float32Array(this.#columns.length === 1 ? 2 : this.#columns.length);
  }

  /** Forgets the window (after a gap): the next score comes `windowSteps` rows later. */
  reset(): void {
    this.#filled = 0;
    this.#next = 0;
  }

  /** Adds one row (values in `model.keys` order) and returns the window's score once the window is full. */
  push(values: ArrayLike<number>): WindowScore | undefined {
    const { pca } = this.#model;
    const width = this.#row.length;
    for (let k = 0; k < width; k++) {
      const col = this.#columns[Math.min(k, this.#columns.length - 1)]!;
      this.#row[k] = (values[col]! - pca.scaler.mean[k]!) / pca.scaler.scale[k]!;
    }
    const { t2, q } = pointStatistics(pca, this.#row);
    const point = t2[0]! / pca.t2Mean + q[0]! / pca.qMean;
    if (this.#filled < this.#points.length) this.#filled++;
    this.#points[this.#next] = point;
    this.#next = (this.#next + 1) % this.#points.length;
    if (this.#filled < this.#points.length) return undefined;
    // Summed afresh (20 additions): a running sum would keep the rounding error of a huge outlier.
    let sum = 0;
    for (let i = 0; i < this.#points.length; i++) sum += this.#points[i]!;
    return windowScore(sum / this.#points.length, this.#model.errorThreshold);
  }
}
