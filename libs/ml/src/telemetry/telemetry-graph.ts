import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { encodeModelMetadata } from '../onnx/model-metadata.js';
import type { ModelMetadata } from '../onnx/model-metadata.js';
import { addLayers } from '../export/onnx-exporter.js';
import type { LayerSpec } from '../export/model-description.js';
import type { PcaT2Q } from './pca-t2q.js';
import type { StandardScaler } from './standard-scaler.js';
import { WindowFitError } from './telemetry-errors.js';

/** The network inside a telemetry model. */
export type TelemetryFamily =
  /** Closed-form PCA T²+Q, averaged over the last `smooth` steps of the window. */
  | { readonly kind: 'pca-t2q'; readonly model: PcaT2Q; readonly smooth: number }
  /** A 1-D conv autoencoder over the standardised window, as channels-last layers on `[1, steps, channels]`. */
  | { readonly kind: 'conv-ae'; readonly layers: readonly LayerSpec[] }
  /** The mean of both errors, each divided by its own healthy `scale` (a quantile of its healthy errors). */
  | {
      readonly kind: 'ensemble';
      readonly pca: { readonly model: PcaT2Q; readonly smooth: number; readonly scale: number };
      readonly convAe: { readonly layers: readonly LayerSpec[]; readonly scale: number };
    };

/** Everything a telemetry anomaly graph is made of; `metadata.window` and `metadata.threshold` describe it. */
export interface TelemetryGraphSpec {
  readonly scaler: StandardScaler;
  readonly family: TelemetryFamily;
  /** Error at which a window counts as abnormal (`score` = error ÷ threshold). */
  readonly threshold: number;
  readonly metadata: ModelMetadata & { readonly window: NonNullable<ModelMetadata['window']> };
}

/**
 * `window float32 [N, steps, channels]` raw sensor values → `error [N]` (the family's window
 * error) and `score [N]` = error ÷ threshold. Standardisation is inside the graph, so a caller
 * feeds readings as they arrive, in the channel order of `metadata.window.channels`; a window
 * is abnormal at score ≥ 1 and a point alarms after `metadata.window.run` abnormal windows in a row.
 */
export function buildTelemetryModel(spec: TelemetryGraphSpec): Uint8Array {
  const { steps, channels } = spec.metadata.window;
  const c = channels.length;
  if (spec.scaler.mean.length !== c) throw new WindowFitError(`the scaler has ${spec.scaler.mean.length} channels, the window contract ${c}`);
  if (!(spec.threshold > 0)) throw new WindowFitError(`the threshold must be positive, got ${spec.threshold}`);
  const g = new OnnxGraphBuilder('telemetry_anomaly');
  const input = g.addInput('window', ['batch', steps, c]);
  const standardise = (x: string): string =>
    g.op('Div', [g.op('Sub', [x, g.addInitializer(g.uniqueName('scaler_mean'), spec.scaler.mean, [c])]), g.addInitializer(g.uniqueName('scaler_scale'), spec.scaler.scale, [c])], {}, 'standardised');
  const family = spec.family;
  let error: string;
  if (family.kind === 'pca-t2q') error = pcaError(g, input, steps, c, family, standardise);
  else if (family.kind === 'conv-ae') error = convAeError(g, standardise(input), steps, c, family.layers);
  else {
    if (!(family.pca.scale > 0 && family.convAe.scale > 0)) throw new WindowFitError('the ensemble scales must be positive');
    const pca = pcaError(g, input, steps, c, { kind: 'pca-t2q', model: family.pca.model, smooth: family.pca.smooth }, standardise);
    const ae = convAeError(g, standardise(input), steps, c, family.convAe.layers);
    const scaled = (x: string, scale: number): string => g.op('Mul', [x, g.addInitializer(g.uniqueName('inv_scale'), new Float32Array([0.5 / scale]), [])]);
    error = g.op('Add', [scaled(pca, family.pca.scale), scaled(ae, family.convAe.scale)], {}, 'ensemble_error');
  }
  g.addNode('Identity', [error], ['error']);
  g.addNode('Div', ['error', g.addInitializer(g.uniqueName('threshold'), new Float32Array([spec.threshold]), [])], ['score']);
  g.addOutput('score', ['batch']);
  g.addOutput('error', ['batch']);
  return g.toModelBytes({
    docString: `Premonitor telemetry anomaly model (${spec.family.kind}): window float32 [N, ${steps}, ${c}] raw readings of ${channels.join(', ')} → score [N] (≥ 1: abnormal window), error [N].`,
    metadata: encodeModelMetadata(spec.metadata),
  });
}

function pcaError(g: OnnxGraphBuilder, input: string, steps: number, c: number, family: Extract<TelemetryFamily, { kind: 'pca-t2q' }>, standardise: (x: string) => string): string {
  const { model, smooth } = family;
  const k = model.eigenvalues.length;
  if (!(Number.isInteger(smooth) && smooth >= 1 && smooth <= steps)) throw new WindowFitError(`smooth must be an integer in [1, ${steps}], got ${smooth}`);
  const tail = g.op('Slice', [input, g.addInt64Initializer(g.uniqueName('tail_start'), [steps - smooth]), g.addInt64Initializer(g.uniqueName('tail_end'), [steps]), g.addInt64Initializer(g.uniqueName('tail_axis'), [1])]);
  const z = standardise(tail);
  const p = g.addInitializer(g.uniqueName('components'), model.components, [c, k]);
  const transposed = new Float32Array(k * c);
  for (let a = 0; a < c; a++) for (let j = 0; j < k; j++) transposed[j * c + a] = model.components[a * k + j]!;
  const t = g.op('MatMul', [z, p], {}, 'scores_pc');
  const inverseVariance = Float32Array.from(model.eigenvalues, (v) => 1 / v);
  const t2 = g.op('ReduceSum', [g.op('Mul', [g.op('Mul', [t, t]), g.addInitializer(g.uniqueName('inv_var'), inverseVariance, [k])]), g.addInt64Initializer(g.uniqueName('pc_axis'), [2])], { keepdims: OnnxAttr.int(0) }, 't2');
  const residual = g.op('Sub', [z, g.op('MatMul', [t, g.addInitializer(g.uniqueName('components_t'), transposed, [k, c])])]);
  const q = g.op('ReduceSum', [g.op('Mul', [residual, residual]), g.addInt64Initializer(g.uniqueName('ch_axis'), [2])], { keepdims: OnnxAttr.int(0) }, 'q');
  const combined = g.op('Add', [
    g.op('Div', [t2, g.addInitializer(g.uniqueName('t2_mean'), new Float32Array([model.t2Mean]), [])]),
    g.op('Div', [q, g.addInitializer(g.uniqueName('q_mean'), new Float32Array([model.qMean]), [])]),
  ]);
  return g.op('ReduceMean', [combined], { axes: OnnxAttr.ints([1]), keepdims: OnnxAttr.int(0) }, 'pca_error');
}

function convAeError(g: OnnxGraphBuilder, z: string, steps: number, c: number, layers: readonly LayerSpec[]): string {
  const image = g.op('Reshape', [z, g.addInt64Initializer(g.uniqueName('image_shape'), [-1, 1, steps, c])], {}, 'image');
  const recon = addLayers(g, image, [1, steps, c], layers);
  const diff = g.op('Abs', [g.op('Sub', [recon.name, image])]);
  // Mean absolute reconstruction error over the window, the SKAB Conv-AE residual.
  return g.op('ReduceMean', [diff], { axes: OnnxAttr.ints([1, 2, 3]), keepdims: OnnxAttr.int(0) }, 'ae_error');
}
