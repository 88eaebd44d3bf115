import { OnnxAttr, baselineShape } from '@premonitor/ml';
import type { BaselineSpec, OnnxGraphBuilder } from '@premonitor/ml';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';

/**
 * How the device head turns its distance into one error: `ln(device / deviceMedian) +
 * fleetWeight · ln(fleet / fleetMedian)`, both medians taken on healthy validation machines so
 * each term is ≈ 0 on a healthy frame. A fleet share keeps a fault the device was enrolled
 * with from vanishing entirely, and helped the acoustic model at low SNR (models/README.md).
 */
export interface DeviceErrorMix {
  readonly deviceMedian: number;
  readonly fleetMedian: number;
  readonly fleetWeight: number;
}

/**
 * The two extra inputs of a model with a baseline: `baseline [N, rows, D]` and `enrolled [N]`.
 * Required, not defaulted: onnxruntime-node cannot feed an input that has an initializer
 * (it lists only true inputs), so callers always pass both (zeros and 0 = not enrolled).
 */
export function addBaselineInputs(g: OnnxGraphBuilder, spec: BaselineSpec): { baseline: string; enrolled: string } {
  const [rows, columns] = baselineShape(spec);
  return { baseline: g.addInput('baseline', ['batch', rows, columns]), enrolled: g.addInput('enrolled', ['batch']) };
}

/**
 * `mean` method: squared Mahalanobis distance per dimension of `embedding [N, D]` from the
 * device's mean, under the within-device covariance learnt across training machines
 * (`whitening` = L⁻ᵀ, D × D row-major, applied as `(x − μ)·M`). Without `whitening` the
 * embedding is taken as whitened already (a baseline with a threshold: `fitBaseline` then
 * computes the same distance), and the mean is the first of the baseline's rows.
 */
export function addMeanDeviceDistance(g: OnnxGraphBuilder, embedding: string, baseline: string, spec: BaselineSpec, whitening?: Float32Array): string {
  const dim = spec.embedding;
  const [rows] = baselineShape(spec);
  const meanRow = rows === 1 ? baseline : g.op('Slice', [baseline, g.addInt64Initializer(g.uniqueName('mean_from'), [0]), g.addInt64Initializer(g.uniqueName('mean_to'), [1]), g.addInt64Initializer(g.uniqueName('rows_axis'), [1])]);
  const mean = g.op('Reshape', [meanRow, g.addInt64Initializer(g.uniqueName('baseline_flat'), [-1, dim])]);
  const diff = g.op('Sub', [embedding, mean]);
  const z = whitening ? g.op('MatMul', [diff, g.addInitializer(g.uniqueName('within_whitening'), whitening, [dim, dim])]) : diff;
  return g.op('ReduceMean', [g.op('Mul', [z, z])], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) }, 'device_distance');
}

/** The device's own threshold as graph tensors `[N]` (see `fitDeviceThreshold` in `@premonitor/ml`). */
export interface DeviceThresholdTensors {
  readonly center: string;
  readonly scale: string;
}

/** Reads `[center, scale]` from the second row of a `mean` baseline with a threshold. */
export function addDeviceThreshold(g: OnnxGraphBuilder, baseline: string): DeviceThresholdTensors {
  const rowsAxis = g.addInt64Initializer(g.uniqueName('rows_axis'), [1]);
  const columnsAxis = g.addInt64Initializer(g.uniqueName('columns_axis'), [2]);
  const row = g.op('Slice', [baseline, g.addInt64Initializer(g.uniqueName('threshold_from'), [1]), g.addInt64Initializer(g.uniqueName('threshold_to'), [2]), rowsAxis]);
  const column = (c: number, name: string): string =>
    g.op('Reshape', [g.op('Slice', [row, g.addInt64Initializer(g.uniqueName('from'), [c]), g.addInt64Initializer(g.uniqueName('to'), [c + 1]), columnsAxis]), g.addInt64Initializer(g.uniqueName('flat'), [-1])], {}, name);
  return { center: column(0, 'device_threshold'), scale: column(1, 'device_spread') };
}

/** Settings of {@link addSubspaceDeviceDistance}. */
export interface SubspaceDistanceOptions {
  /** Embedding laid out as an image, for the pooling. */
  readonly height: number;
  readonly width: number;
  /** Side of the mean filter over |z| (odd; 1 = none): a fault covers neighbouring pixels, noise does not. */
  readonly pool: number;
  /** The error is the mean of the `top` largest pooled |z|. */
  readonly top: number;
}

/**
 * `subspace` method on `embedding [N, H·W]`: the residual after removing the device's mean and
 * its K directions of healthy variation, in units of its healthy residual spread, |z| mean-
 * filtered over `pool × pool` pixels, then the mean of the `top` largest values.
 */
export function addSubspaceDeviceDistance(g: OnnxGraphBuilder, embedding: string, baseline: string, spec: BaselineSpec, options: SubspaceDistanceOptions): string {
  const k = spec.components ?? 0;
  const d = spec.embedding;
  const axis1 = g.addInt64Initializer(g.uniqueName('rows_axis'), [1]);
  const rows = (from: number, to: number): string =>
    g.op('Slice', [baseline, g.addInt64Initializer(g.uniqueName('from'), [from]), g.addInt64Initializer(g.uniqueName('to'), [to]), axis1]);
  const x = g.op('Reshape', [embedding, g.addInt64Initializer(g.uniqueName('row_vector'), [-1, 1, d])]);
  let residual = g.op('Sub', [x, rows(0, 1)]);
  if (k > 0) {
    const directions = rows(1, 1 + k);
    const coefficients = g.op('MatMul', [residual, g.op('Transpose', [directions], { perm: OnnxAttr.ints([0, 2, 1]) })]);
    residual = g.op('Sub', [residual, g.op('MatMul', [coefficients, directions])]);
  }
  const z = g.op('Abs', [g.op('Div', [residual, rows(1 + k, 2 + k)])]);
  let map = g.op('Reshape', [z, g.addInt64Initializer(g.uniqueName('nchw'), [-1, 1, options.height, options.width])]);
  if (options.pool > 1) {
    const p = (options.pool - 1) / 2;
    map = g.op('AveragePool', [map], { kernel_shape: OnnxAttr.ints([options.pool, options.pool]), strides: OnnxAttr.ints([1, 1]), pads: OnnxAttr.ints([p, p, p, p]), count_include_pad: OnnxAttr.int(0) });
  }
  const flat = g.op('Reshape', [map, g.addInt64Initializer(g.uniqueName('flat'), [-1, d])]);
  const values = g.uniqueName('top_z');
  g.addNode('TopK', [flat, g.addInt64Initializer(g.uniqueName('top'), [options.top])], [values, g.uniqueName('top_z_index')], { axis: OnnxAttr.int(1), largest: OnnxAttr.int(1), sorted: OnnxAttr.int(1) });
  return g.op('ReduceMean', [values], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) }, 'device_distance');
}

/** What {@link addScoreOutputs} needs: the fleet head always, the device head when the model has a baseline. */
export interface ScoreHeads {
  readonly fleetError: string;
  readonly fleetCalibration: LogisticCalibration;
  readonly device?: {
    readonly distance: string;
    readonly enrolled: string;
    /** With a shared calibration: how the device and fleet terms make the device error. */
    readonly mix?: DeviceErrorMix;
    /**
     * A calibration shared by every device (with `mix`), or the device's own threshold from
     * its baseline (`{ own }`): then the device error is `ln distance` alone, no fleet share.
     */
    readonly calibration: LogisticCalibration | { readonly own: DeviceThresholdTensors };
  };
}

/**
 * Writes the outputs `score` and `error` (and, with a device head, `fleet_score`,
 * `device_score`, `device_error` and the raw `device_distance` and `fleet_error`): with a baseline, rows whose `enrolled` is 1 take the device head's error
 * and score, the others the fleet head's. `Where`, not a weighted sum, because a row
 * without a baseline (zeros) may give NaN or ∞ in the branch it does not take.
 */
export function addScoreOutputs(g: OnnxGraphBuilder, heads: ScoreHeads): void {
  const fleetScore = calibrated(g, heads.fleetError, heads.fleetCalibration, heads.device ? 'fleet_score' : 'score');
  if (!heads.device) {
    g.addNode('Identity', [heads.fleetError], ['error']);
    g.addOutput('score', ['batch']);
    g.addOutput('error', ['batch']);
    return;
  }
  const { distance, enrolled, mix, calibration } = heads.device;
  const logRatio = (x: string, median: number): string =>
    g.op('Log', [g.op('Div', [g.op('Max', [x, scalar(g, 1e-12, 'tiny')]), scalar(g, median, 'median')])]);
  let deviceScore: string;
  if ('own' in calibration) {
    g.addNode('Log', [g.op('Max', [distance, scalar(g, 1e-12, 'tiny')])], ['device_error']);
    const logit = g.op('Div', [g.op('Sub', ['device_error', calibration.own.center]), calibration.own.scale]);
    g.addNode('Sigmoid', [logit], ['device_score']);
    deviceScore = 'device_score';
  } else {
    if (!mix) throw new Error('a shared device calibration needs its mix of device and fleet terms');
    let deviceError = logRatio(distance, mix.deviceMedian);
    if (mix.fleetWeight !== 0) deviceError = g.op('Add', [deviceError, g.op('Mul', [logRatio(heads.fleetError, mix.fleetMedian), scalar(g, mix.fleetWeight, 'fleet_weight')])]);
    g.addNode('Identity', [deviceError], ['device_error']);
    deviceScore = calibrated(g, 'device_error', calibration, 'device_score');
  }
  const useDevice = g.op('Greater', [enrolled, scalar(g, 0.5, 'half')]);
  g.addNode('Where', [useDevice, deviceScore, fleetScore], ['score']);
  g.addNode('Where', [useDevice, 'device_error', heads.fleetError], ['error']);
  g.addOutput('score', ['batch']);
  g.addOutput('error', ['batch']);
  g.addOutput('fleet_score', ['batch']);
  g.addOutput('device_score', ['batch']);
  g.addOutput('device_error', ['batch']);
  // The raw head values, so training can take their healthy medians from a first pass.
  g.addNode('Identity', [distance], ['device_distance']);
  g.addNode('Identity', [heads.fleetError], ['fleet_error']);
  g.addOutput('device_distance', ['batch']);
  g.addOutput('fleet_error', ['batch']);
}

function calibrated(g: OnnxGraphBuilder, error: string, c: LogisticCalibration, name: string): string {
  const logit = g.op('Div', [g.op('Sub', [error, scalar(g, c.center, 'center')]), scalar(g, c.scale, 'scale')]);
  g.addNode('Sigmoid', [logit], [name]);
  return name;
}

function scalar(g: OnnxGraphBuilder, value: number, name: string): string {
  return g.addInitializer(g.uniqueName(name), new Float32Array([value]), []);
}
