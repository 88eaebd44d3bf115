import { OnnxAttr, OnnxGraphBuilder, addLayers, encodeModelMetadata } from '@premonitor/ml';
import type { BaselineSpec, LayerSpec, ModelMetadata } from '@premonitor/ml';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { addBaselineInputs, addScoreOutputs, addSubspaceDeviceDistance } from '../baseline/device-head.js';
import type { DeviceErrorMix } from '../baseline/device-head.js';
import type { FoldedDense } from '../onnx/folded-dense-stack.js';

/** Everything the thermal ONNX graph is made of. */
export interface ThermalGraphSpec {
  readonly height: number;
  readonly width: number;
  /** Divisor of the mean-subtracted frame, °C (see `normaliseFrame`). */
  readonly scaleC: number;
  /**
   * `autoencoder`: a trained conv autoencoder (channels-last layers as
   * `describeLayersModel` gives them). `patch-gaussian`: a whitening map over
   * `patchSize²` patches, applied as one Conv.
   */
  readonly network: { readonly kind: 'autoencoder'; readonly layers: readonly LayerSpec[] } | { readonly kind: 'patch-gaussian'; readonly patchSize: number; readonly whitening: FoldedDense };
  /** Calibration of the fleet head (the score of a device without a baseline). */
  readonly calibration: LogisticCalibration;
  /** The per-device head; `metadata.baseline` must equal `device.spec`. */
  readonly device?: ThermalDeviceHead;
  readonly metadata: ModelMetadata;
}

/** Scoring a frame against its camera's own healthy frames (see `addSubspaceDeviceDistance`). */
export interface ThermalDeviceHead {
  readonly spec: BaselineSpec;
  /** Mean filter side over |z|. */
  readonly pool: number;
  /** Largest pooled |z| averaged into the distance. */
  readonly top: number;
  readonly mix: DeviceErrorMix;
  readonly calibration: LogisticCalibration;
}

/**
 * `frame [N, H, W] °C → score [N], error [N]`. Fleet head: per-frame floor (coldest pixel) subtraction
 * and scaling in the graph → local anomaly map → its maximum over the frame → `sigmoid((error − center) /
 * scale)`. The map is either the autoencoder's squared residual averaged over 3×3, or the
 * squared Mahalanobis distance (per dimension) of every patch under the healthy patch
 * Gaussian. A maximum, not a frame mean, because a hotspot covers a few pixels. Device head
 * (with `device`): the frame's residual from its camera's healthy subspace (see
 * `addSubspaceDeviceDistance`); rows with `enrolled` 1 are scored by it.
 */
export function buildThermalModel(spec: ThermalGraphSpec): Uint8Array {
  const { height: h, width: w } = spec;
  const g = new OnnxGraphBuilder('thermal_anomaly');
  const frame = g.addInput('frame', ['batch', h, w]);
  const inputs = spec.device ? addBaselineInputs(g, spec.device.spec) : undefined;
  const floor = g.op('ReduceMin', [frame], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(1) });
  const scaled = g.op('Div', [g.op('Sub', [frame, floor]), g.addInitializer(g.uniqueName('scale_c'), new Float32Array([spec.scaleC]), [])]);
  const map = spec.network.kind === 'autoencoder' ? residualMap(g, scaled, h, w, spec.network.layers) : patchDistanceMap(g, scaled, h, w, spec.network.patchSize, spec.network.whitening);
  const fleetError = g.op('ReduceMax', [map], { axes: OnnxAttr.ints([1, 2, 3]), keepdims: OnnxAttr.int(0) }, 'fleet_distance');
  let device;
  if (spec.device && inputs) {
    // The embedding a baseline is fitted from is the frame itself, in °C.
    g.addNode('Reshape', [frame, g.addInt64Initializer(g.uniqueName('pixels'), [-1, h * w])], ['embedding']);
    g.addOutput('embedding', ['batch', h * w]);
    const distance = addSubspaceDeviceDistance(g, 'embedding', inputs.baseline, spec.device.spec, { height: h, width: w, pool: spec.device.pool, top: spec.device.top });
    device = { distance, enrolled: inputs.enrolled, mix: spec.device.mix, calibration: spec.device.calibration };
  }
  addScoreOutputs(g, { fleetError, fleetCalibration: spec.calibration, device });
  return g.toModelBytes({
    docString: spec.device
      ? `Premonitor thermal anomaly model: frame float32 [N, ${h}, ${w}] °C, baseline [N, ${(spec.device.spec.components ?? 0) + 2}, ${h * w}] (the camera's healthy mean, directions of variation, residual spread), enrolled [N] → score [N] (calibrated probability: against the camera's baseline where enrolled is 1, else against the fleet), error [N], embedding [N, ${h * w}].`
      : `Premonitor thermal anomaly model: frame float32 [N, ${h}, ${w}] °C → score [N] (calibrated probability), error [N] (max local reconstruction error).`,
    metadata: encodeModelMetadata(spec.metadata),
  });
}

function residualMap(g: OnnxGraphBuilder, scaled: string, h: number, w: number, layers: readonly LayerSpec[]): string {
  const image = g.op('Unsqueeze', [scaled, g.addInt64Initializer(g.uniqueName('channel_axis'), [3])], {}, 'image');
  const recon = addLayers(g, image, [h, w, 1], layers);
  const diff = g.op('Sub', [recon.name, image]);
  const squared = g.op('Mul', [diff, diff]);
  // One channel: NHWC [N,H,W,1] and NCHW [N,1,H,W] hold the same bytes, so a Reshape suffices.
  const nchw = g.op('Reshape', [squared, g.addInt64Initializer(g.uniqueName('nchw'), [-1, 1, h, w])]);
  return g.op('AveragePool', [nchw], { kernel_shape: OnnxAttr.ints([3, 3]), strides: OnnxAttr.ints([1, 1]), pads: OnnxAttr.ints([1, 1, 1, 1]), count_include_pad: OnnxAttr.int(0) });
}

function patchDistanceMap(g: OnnxGraphBuilder, scaled: string, h: number, w: number, size: number, whitening: FoldedDense): string {
  const dim = size * size;
  const image = g.op('Reshape', [scaled, g.addInt64Initializer(g.uniqueName('nchw'), [-1, 1, h, w])], {}, 'image');
  // Output channel j of the Conv is z_j = Σ_k patch_k · M[k][j] + b_j: the whitened patch.
  const kernel = new Float32Array(dim * dim);
  for (let k = 0; k < dim; k++) for (let j = 0; j < dim; j++) kernel[j * dim + k] = whitening.kernel[k * dim + j]!;
  const z = g.op('Conv', [image, g.addInitializer(g.uniqueName('whiten_w'), kernel, [dim, 1, size, size]), g.addInitializer(g.uniqueName('whiten_b'), whitening.bias, [dim])], { kernel_shape: OnnxAttr.ints([size, size]) });
  return g.op('ReduceMean', [g.op('Mul', [z, z])], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(1) }, 'patch_distance');
}
