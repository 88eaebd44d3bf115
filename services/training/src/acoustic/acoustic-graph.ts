import { OnnxAttr, OnnxGraphBuilder, baselineShape, encodeModelMetadata, logMelFrameCount } from '@premonitor/ml';
import type { BaselineSpec, LogMelOptions, ModelMetadata } from '@premonitor/ml';
import { addBaselineInputs, addDeviceThreshold, addMeanDeviceDistance, addScoreOutputs } from '../baseline/device-head.js';
import type { DeviceErrorMix } from '../baseline/device-head.js';
import { addFoldedDenseStack } from '../onnx/folded-dense-stack.js';
import type { FoldedDense } from '../onnx/folded-dense-stack.js';
import { Int8Initializers } from '../onnx/int8-initializers.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { BandStatistics } from './frame-stacking.js';
import { addSpectralFrontEnd } from './spectral-front-end.js';
import { addClipStatistics, addLowBandProfile } from './clip-features.js';

/** The clip-level Gaussians scored beside the frame model (see `clip-features.ts`). */
export interface ClipModels {
  /** Whitening of the `2 × mels` clip statistics. */
  readonly statistics: FoldedDense;
  /** Whitening of the low-band peak profile. */
  readonly lowBand: FoldedDense;
  /** Linear STFT bins 1 … `lowBins` form the low band. */
  readonly lowBins: number;
  /** Sorted peaks in the profile. */
  readonly peaks: number;
}

/** Everything the acoustic ONNX graph is made of. */
export interface AcousticGraphSpec {
  /** Samples per clip (sample rate × seconds). */
  readonly samples: number;
  /** Log-mel front end; `inputType` is forced to float32 (the contract's int16/32768 values). */
  readonly logMel: LogMelOptions;
  /** Per-band standardisation applied before stacking. */
  readonly stats: BandStatistics;
  /** Consecutive frames per autoencoder row. */
  readonly context: number;
  /** The trained network, BatchNorm folded: an autoencoder or one whitening layer. */
  readonly layers: readonly FoldedDense[];
  /** Clip-level Gaussians whose distances are added to the frame error (Gaussian architecture). */
  readonly clipModels?: ClipModels;
  /**
   * Divisors of the head errors (frame, then statistics and low band when `clipModels`):
   * `error = Σ headError / divisor`. Set to the median healthy validation error of each
   * head, so every head contributes ≈ 1 on a healthy clip and the error stays positive.
   * Default: all 1.
   */
  readonly headScales?: readonly number[];
  /** Also output `head_errors [N, heads]` (unscaled), to fit `headScales`. */
  readonly exposeHeads?: boolean;
  /**
   * `reconstruction`: error = mean((network(x) − x)²), the autoencoder's. `whitened`: error =
   * mean(network(x)²), the Gaussian model's squared Mahalanobis distance per dimension.
   */
  readonly errorHead: 'reconstruction' | 'whitened';
  /** Calibration of the fleet head (the score of a device without a baseline). */
  readonly calibration: LogisticCalibration;
  /** The per-device head; `metadata.baseline` must equal `device.spec`. */
  readonly device?: AcousticDeviceHead;
  readonly metadata: ModelMetadata;
  /** Store the weights as INT8 (DequantizeLinear in the graph). */
  readonly int8?: boolean;
}

/**
 * Scoring a clip against its machine's own healthy clips: the clip statistics (per-band mean
 * and spread of the log-mel, `2 × mels`) whitened by the covariance clips of one machine show
 * around their own mean, pooled over the training machines, are the embedding; the distance
 * is the mean squared difference from the machine's mean embedding (the squared Mahalanobis
 * distance per dimension). With `spec.threshold` each device's score is calibrated by its own
 * baseline's threshold; otherwise by the shared `calibration` of the `mix`.
 */
export interface AcousticDeviceHead {
  readonly spec: BaselineSpec;
  /** L⁻ᵀ of the pooled within-machine covariance, `D × D` row-major. */
  readonly whitening: Float32Array;
  readonly mix?: DeviceErrorMix;
  readonly calibration?: LogisticCalibration;
}

/**
 * `pcm [N, S] float32 → score [N], error [N]`: log-mel (STFT in the graph) → per-band
 * standardisation → `context` frames stacked by Slice/Concat → dense network → mean squared
 * reconstruction error (or whitened distance) over all rows of the clip, plus (Gaussian
 * architecture) the whitened distances of the clip statistics and the low-band peak
 * profile, each divided by its healthy median → `sigmoid((error − center) / scale)`.
 */
export function buildAcousticModel(spec: AcousticGraphSpec): Uint8Array {
  const g = new OnnxGraphBuilder('acoustic_autoencoder');
  const mels = spec.logMel.nMels ?? 64;
  const frames = logMelFrameCount(spec.samples, spec.logMel);
  const rows = frames - spec.context + 1;
  const pcm = g.addInput('pcm', ['batch', spec.samples]);
  const inputs = spec.device ? addBaselineInputs(g, spec.device.spec) : undefined;
  const front = addSpectralFrontEnd(g, pcm, spec.logMel, spec.clipModels?.lowBins ?? 1);
  const logMel = front.logMel;
  const centred = g.op('Sub', [logMel, g.addInitializer(g.uniqueName('band_mean'), spec.stats.mean, [mels])]);
  const features = g.op('Div', [centred, g.addInitializer(g.uniqueName('band_std'), spec.stats.std, [mels])], {}, 'features');

  const axis1 = g.addInt64Initializer(g.uniqueName('time_axis'), [1]);
  const slices = Array.from({ length: spec.context }, (_, c) =>
    g.op('Slice', [features, g.addInt64Initializer(g.uniqueName('start'), [c]), g.addInt64Initializer(g.uniqueName('end'), [c + rows]), axis1], {}, `frames_${c}`),
  );
  // [N, rows, context·mels], frame-major like the training rows.
  const stacked = g.op('Concat', slices, { axis: OnnxAttr.int(2) }, 'stacked');

  const int8 = spec.int8 ? new Int8Initializers() : undefined;
  const out = addFoldedDenseStack(g, stacked, spec.layers, int8);
  const diff = spec.errorHead === 'reconstruction' ? g.op('Sub', [out, stacked]) : out;
  const squared = g.op('Mul', [diff, diff]);
  const heads = [g.op('ReduceMean', [squared], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) }, 'frame_error')];
  const clipStatistics = spec.clipModels || spec.device ? addClipStatistics(g, logMel) : undefined;
  if (spec.clipModels && clipStatistics) {
    const { statistics, lowBand, peaks } = spec.clipModels;
    // Float32 even in the INT8 variant: their inputs are raw dB (large offsets cancelled by
    // the bias), where per-column INT8 weights moved the clip error by ~25 %.
    heads.push(whitenedDistance(g, clipStatistics, statistics, 'statistics_error'));
    heads.push(whitenedDistance(g, addLowBandProfile(g, front.lowBandDb, peaks), lowBand, 'low_band_error'));
  }
  const scales = spec.headScales ?? heads.map(() => 1);
  const terms = heads.map((h, i) => g.op('Div', [h, g.addInitializer(g.uniqueName('head_scale'), new Float32Array([scales[i] ?? 1]), [])]));
  const fleetError = terms.length === 1 ? terms[0]! : g.op('Sum', terms, {}, 'fleet_distance');
  if (spec.exposeHeads) {
    const axis = g.addInt64Initializer(g.uniqueName('head_axis'), [1]);
    g.addNode('Concat', heads.map((h) => g.op('Unsqueeze', [h, axis])), ['head_errors'], { axis: OnnxAttr.int(1) });
  }
  let device;
  if (spec.device && inputs && clipStatistics) {
    const { spec: baselineSpec, whitening, mix, calibration } = spec.device;
    const dim = baselineSpec.embedding;
    if (baselineSpec.threshold) {
      // Whitened in the graph, so `fitBaseline` sees the space the distance is measured in.
      g.addNode('MatMul', [clipStatistics, g.addInitializer(g.uniqueName('within_whitening'), whitening, [dim, dim])], ['embedding']);
      const distance = addMeanDeviceDistance(g, 'embedding', inputs.baseline, baselineSpec);
      device = { distance, enrolled: inputs.enrolled, calibration: { own: addDeviceThreshold(g, inputs.baseline) } };
    } else {
      if (!calibration || !mix) throw new Error('an acoustic device head without a per-device threshold needs a shared calibration and mix');
      g.addNode('Identity', [clipStatistics], ['embedding']);
      const distance = addMeanDeviceDistance(g, 'embedding', inputs.baseline, baselineSpec, whitening);
      device = { distance, enrolled: inputs.enrolled, mix, calibration };
    }
    g.addOutput('embedding', ['batch', dim]);
  }
  addScoreOutputs(g, { fleetError, fleetCalibration: spec.calibration, device });
  if (spec.exposeHeads) g.addOutput('head_errors', ['batch', heads.length]);
  const bytes = g.toModelBytes({
    docString: spec.device
      ? `Premonitor acoustic anomaly model: pcm float32 [N, S] (int16/32768), baseline [N, ${baselineShape(spec.device.spec).join(', ')}] (the machine's mean clip statistics${spec.device.spec.threshold ? ', whitened, and its own threshold' : ''}), enrolled [N] → score [N] (calibrated probability: against the machine's baseline where enrolled is 1, else against the fleet), error [N], embedding [N, ${spec.device.spec.embedding}].`
      : 'Premonitor acoustic anomaly model: pcm float32 [N, S] (int16/32768) → score [N] (calibrated probability), error [N] (raw clip error: frame distance or reconstruction error, plus clip-level distances, each over its healthy median).',
    metadata: encodeModelMetadata(spec.metadata),
  });
  return int8 ? int8.appendTo(bytes) : bytes;
}

/** `mean(((x·M + b))²)` over the last axis: the squared Mahalanobis distance per dimension. */
function whitenedDistance(g: OnnxGraphBuilder, x: string, whitening: FoldedDense, name: string): string {
  const z = addFoldedDenseStack(g, x, [whitening]);
  return g.op('ReduceMean', [g.op('Mul', [z, z])], { axes: OnnxAttr.ints([-1]), keepdims: OnnxAttr.int(0) }, name);
}
