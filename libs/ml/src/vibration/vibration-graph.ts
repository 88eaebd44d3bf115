import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { encodeModelMetadata } from '../onnx/model-metadata.js';
import type { ModelMetadata } from '../onnx/model-metadata.js';
import type { StandardScaler } from '../telemetry/standard-scaler.js';
import { WindowFitError } from '../telemetry/telemetry-errors.js';
import { addVibrationFeatures, vibrationFeatureCount } from './vibration-features.js';
import type { VibrationFeatureSpec } from './vibration-features.js';

/** A linear map `x·kernel + bias`, kernel row-major `[inputs, units]`. */
export interface LinearMap {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Everything the vibration graph is made of. */
export interface VibrationGraphSpec {
  readonly features: VibrationFeatureSpec;
  /** Standardisation of the features. */
  readonly scaler: StandardScaler;
  /** Softmax regression over the standardised features: `[features, classes]`. */
  readonly classifier: LinearMap;
  /**
   * Unbalance detector: one whitening map per healthy (balanced) operating condition, fitted on
   * balanced windows only; the window's distance is its mean squared whitened value to the
   * nearest condition. `threshold` divides it into `unbalance_score` (≥ 1: abnormal).
   */
  readonly unbalance: { readonly whitenings: readonly LinearMap[]; readonly threshold: number };
  readonly metadata: ModelMetadata & { readonly classes: readonly string[]; readonly window: NonNullable<ModelMetadata['window']> };
}

/**
 * `window float32 [N, samples, channels]` in g → `probs [N, classes]` (in the order of
 * `metadata.classes`), `unbalance [N]` (distance to the nearest healthy condition) and
 * `unbalance_score [N]` = unbalance ÷ threshold. Features, scaling and both heads are inside,
 * so the edge feeds raw accelerometer samples.
 */
export function buildVibrationModel(spec: VibrationGraphSpec): Uint8Array {
  const f = vibrationFeatureCount(spec.features);
  const k = spec.metadata.classes.length;
  if (spec.scaler.mean.length !== f || spec.classifier.kernel.length !== f * k || spec.classifier.bias.length !== k) {
    throw new WindowFitError(`the vibration heads do not fit ${f} features and ${k} classes`);
  }
  if (spec.unbalance.whitenings.length === 0 || spec.unbalance.whitenings.some((w) => w.kernel.length !== f * f || w.bias.length !== f)) {
    throw new WindowFitError(`the unbalance detector needs at least one ${f} × ${f} whitening map`);
  }
  const g = new OnnxGraphBuilder('vibration');
  const window = g.addInput('window', ['batch', spec.features.samples, spec.features.channels]);
  const features = addVibrationFeatures(g, window, spec.features);
  const z = g.op('Div', [g.op('Sub', [features, g.addInitializer(g.uniqueName('feature_mean'), spec.scaler.mean, [f])]), g.addInitializer(g.uniqueName('feature_scale'), spec.scaler.scale, [f])], {}, 'z');
  const logits = g.op('Gemm', [z, g.addInitializer(g.uniqueName('class_w'), spec.classifier.kernel, [f, k]), g.addInitializer(g.uniqueName('class_b'), spec.classifier.bias, [k])]);
  g.addNode('Softmax', [logits], ['probs'], { axis: OnnxAttr.int(1) });
  g.addOutput('probs', ['batch', k]);
  // All conditions in one Gemm: [N, f] · [f, S·f], then the mean square per condition and the minimum.
  const s = spec.unbalance.whitenings.length;
  const kernel = new Float32Array(f * s * f);
  const bias = new Float32Array(s * f);
  spec.unbalance.whitenings.forEach((w, c) => {
    for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) kernel[i * s * f + c * f + j] = w.kernel[i * f + j]!;
    bias.set(w.bias, c * f);
  });
  const whitened = g.op('Gemm', [z, g.addInitializer(g.uniqueName('whiten_w'), kernel, [f, s * f]), g.addInitializer(g.uniqueName('whiten_b'), bias, [s * f])]);
  const perCondition = g.op('Reshape', [whitened, g.addInt64Initializer(g.uniqueName('conditions'), [-1, s, f])]);
  const distance = g.op('ReduceMean', [g.op('Mul', [perCondition, perCondition])], { axes: OnnxAttr.ints([2]), keepdims: OnnxAttr.int(0) });
  g.addNode('ReduceMin', [distance], ['unbalance'], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) });
  g.addNode('Div', ['unbalance', g.addInitializer(g.uniqueName('threshold'), new Float32Array([spec.unbalance.threshold]), [])], ['unbalance_score']);
  g.addOutput('unbalance', ['batch']);
  g.addOutput('unbalance_score', ['batch']);
  return g.toModelBytes({
    docString: `Premonitor vibration model: window float32 [N, ${spec.features.samples}, ${spec.features.channels}] (g) → probs [N, ${k}] (${spec.metadata.classes.join(', ')}), unbalance [N], unbalance_score [N] (≥ 1: unbalanced).`,
    metadata: encodeModelMetadata(spec.metadata),
  });
}
