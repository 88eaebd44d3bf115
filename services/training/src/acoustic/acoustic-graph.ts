import { OnnxAttr, OnnxGraphBuilder, addLogMelFeatures, encodeModelMetadata, logMelFrameCount } from '@premonitor/ml';
import type { LogMelOptions, ModelMetadata } from '@premonitor/ml';
import { addFoldedDenseStack } from '../onnx/folded-dense-stack.js';
import type { FoldedDense } from '../onnx/folded-dense-stack.js';
import { Int8Initializers } from '../onnx/int8-initializers.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { BandStatistics } from './frame-stacking.js';

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
  /**
   * `reconstruction`: error = mean((network(x) − x)²), the autoencoder's. `whitened`: error =
   * mean(network(x)²), the Gaussian model's squared Mahalanobis distance per dimension.
   */
  readonly errorHead: 'reconstruction' | 'whitened';
  readonly calibration: LogisticCalibration;
  readonly metadata: ModelMetadata;
  /** Store the weights as INT8 (DequantizeLinear in the graph). */
  readonly int8?: boolean;
}

/**
 * `pcm [N, S] float32 → score [N], error [N]`: log-mel (STFT in the graph) → per-band
 * standardisation → `context` frames stacked by Slice/Concat → dense network → mean squared
 * reconstruction error (or whitened distance) over all rows of the clip →
 * `sigmoid((error − center) / scale)`.
 */
export function buildAcousticModel(spec: AcousticGraphSpec): Uint8Array {
  const g = new OnnxGraphBuilder('acoustic_autoencoder');
  const mels = spec.logMel.nMels ?? 64;
  const frames = logMelFrameCount(spec.samples, spec.logMel);
  const rows = frames - spec.context + 1;
  const pcm = g.addInput('pcm', ['batch', spec.samples]);
  const logMel = addLogMelFeatures(g, pcm, { ...spec.logMel, inputType: 'float32' });
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
  g.addNode('ReduceMean', [squared], ['error'], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) });
  const logit = g.op('Div', [
    g.op('Sub', ['error', g.addInitializer(g.uniqueName('center'), new Float32Array([spec.calibration.center]), [])]),
    g.addInitializer(g.uniqueName('scale'), new Float32Array([spec.calibration.scale]), []),
  ]);
  g.addNode('Sigmoid', [logit], ['score']);
  g.addOutput('score', ['batch']);
  g.addOutput('error', ['batch']);
  const bytes = g.toModelBytes({
    docString: 'Premonitor acoustic anomaly model: pcm float32 [N, S] (int16/32768) → score [N] (calibrated probability), error [N] (raw reconstruction error).',
    metadata: encodeModelMetadata(spec.metadata),
  });
  return int8 ? int8.appendTo(bytes) : bytes;
}
