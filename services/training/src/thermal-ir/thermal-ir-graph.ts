import { OnnxAttr, OnnxGraphBuilder, addLayers, encodeModelMetadata } from '@premonitor/ml';
import type { LayerSpec, ModelMetadata } from '@premonitor/ml';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { addFrameStandardisation } from './frame-standardisation.js';
import { addLevelChannel } from './level-channel.js';
import type { LevelChannel } from './level-channel.js';
import type { NormalSubspace } from './normal-subspace.js';

/** Everything the module-image ONNX graph is made of. */
export interface ThermalIrGraphSpec {
  readonly height: number;
  readonly width: number;
  /** Average the classifier over the image and its three mirror images (`ClassifierPlan.mirrorAveraging`). */
  readonly mirrorAveraging: boolean;
  /** The classifier's second channel of raw levels (`ClassifierPlan.levelChannel`), if any. */
  readonly levelChannel?: LevelChannel | undefined;
  /** The trained classifier, channels-last, softmax last (as `describeLayersModel` gives it). */
  readonly classifier: readonly LayerSpec[];
  readonly classes: readonly string[];
  /** Index of the normal class in `classes`. */
  readonly normalIndex: number;
  /** Maps the classifier's anomaly log-odds to `score` (0.5 = the decision threshold). */
  readonly calibration: LogisticCalibration;
  /** The unsupervised model, fitted on normal images only. */
  readonly novelty: NormalSubspace;
  readonly noveltyCalibration: LogisticCalibration;
  readonly metadata: ModelMetadata;
}

// Keeps log(p) finite when the softmax saturates at 0 or 1 in float32.
const EPS = 1e-7;

/**
 * `frame [N, H, W]` (any linear intensity scale; the image's 8-bit levels with a level channel)
 * → per-image standardisation (beside the levels themselves, with a level channel) → two heads:
 * - supervised: the conv classifier → `class_probs [N, C]`; `anomaly_probability` = 1 − P(normal);
 *   `error` = its log-odds, ln((1 − p) / p); `score` = sigmoid((error − center) / scale);
 * - unsupervised: the normal subspace → `novelty_error` (see `NormalSubspace`) and its
 *   calibrated `novelty_score`.
 * `score`/`error` follow the inference contract; the rest are extra outputs for reports.
 */
export function buildThermalIrModel(spec: ThermalIrGraphSpec): Uint8Array {
  const { height: h, width: w } = spec;
  const g = new OnnxGraphBuilder('thermal_ir');
  const frame = g.addInput('frame', ['batch', h, w]);
  const standardised = addFrameStandardisation(g, frame);

  // Channels-last [N, H, W, C]; the mirror views gather along H and W, whatever C is.
  const channels = spec.levelChannel ? addLevelChannel(g, standardised, frame, spec.levelChannel) : g.op('Unsqueeze', [standardised, g.addInt64Initializer(g.uniqueName('channel_axis'), [3])], {}, 'image');
  const image = spec.mirrorAveraging ? addMirrorViews(g, channels, h, w) : channels;
  const probs = addLayers(g, image, [h, w, spec.levelChannel ? 2 : 1], spec.classifier);
  const averaged = spec.mirrorAveraging ? averageMirrorViews(g, probs.name, spec.classes.length) : probs.name;
  g.addNode('Identity', [averaged], ['class_probs']);
  g.addOutput('class_probs', ['batch', spec.classes.length]);
  const normal = g.op('Gather', ['class_probs', g.addInt64Initializer(g.uniqueName('normal_index'), [spec.normalIndex], [])], { axis: OnnxAttr.int(1) }, 'p_normal');
  const anomaly = g.op('Sub', [scalar(g, 1, 'one'), normal]);
  g.addNode('Identity', [anomaly], ['anomaly_probability']);
  g.addOutput('anomaly_probability', ['batch']);
  const logOdds = g.op('Sub', [g.op('Log', [g.op('Add', [anomaly, scalar(g, EPS, 'eps')])]), g.op('Log', [g.op('Add', [normal, scalar(g, EPS, 'eps')])])]);
  g.addNode('Identity', [logOdds], ['error']);
  g.addNode('Sigmoid', [calibrate(g, 'error', spec.calibration)], ['score']);
  g.addOutput('score', ['batch']);
  g.addOutput('error', ['batch']);

  addNoveltyHead(g, standardised, spec);
  return g.toModelBytes({
    docString: `Premonitor thermal module-image model: frame float32 [N, ${h}, ${w}] ${spec.levelChannel ? "in the image's own 8-bit levels (standardised per image in the graph, the levels beside it for the classifier)" : 'in any linear intensity scale (standardised per image in the graph)'} → score [N] (calibrated anomaly probability, 0.5 = threshold), error [N] (anomaly log-odds), class_probs [N, ${spec.classes.length}] (${spec.classes.join(', ')}), anomaly_probability [N], novelty_score [N] and novelty_error [N] (unsupervised, trained on normal images only).`,
    metadata: encodeModelMetadata(spec.metadata),
  });
}

/**
 * `[N, H, W, C]` → `[4N, H, W, C]`: the images, then left–right mirrored, top–bottom mirrored and both
 * (the order of `MIRROR_VIEWS`), so the classifier runs once on all four views.
 */
function addMirrorViews(g: OnnxGraphBuilder, images: string, h: number, w: number): string {
  const reversed = (n: number, name: string) => g.addInt64Initializer(g.uniqueName(name), Array.from({ length: n }, (_, i) => n - 1 - i));
  const leftRight = g.op('Gather', [images, reversed(w, 'columns_reversed')], { axis: OnnxAttr.int(2) }, 'mirror_lr');
  const topBottom = g.op('Gather', [images, reversed(h, 'rows_reversed')], { axis: OnnxAttr.int(1) }, 'mirror_tb');
  const both = g.op('Gather', [leftRight, reversed(h, 'rows_reversed')], { axis: OnnxAttr.int(1) }, 'mirror_both');
  return g.op('Concat', [images, leftRight, topBottom, both], { axis: OnnxAttr.int(0) }, 'mirror_views');
}

/** `[4N, C]` class probabilities of the four views → their mean `[N, C]`. */
function averageMirrorViews(g: OnnxGraphBuilder, probs: string, classes: number): string {
  const byView = g.op('Reshape', [probs, g.addInt64Initializer(g.uniqueName('views_shape'), [4, -1, classes])]);
  return g.op('ReduceMean', [byView], { axes: OnnxAttr.ints([0]), keepdims: OnnxAttr.int(0) }, 'mirror_mean');
}

function addNoveltyHead(g: OnnxGraphBuilder, standardised: string, spec: ThermalIrGraphSpec): void {
  const { dim, mean, directions, variances, residualVariance } = spec.novelty;
  const k = variances.length;
  const flat = g.op('Reshape', [standardised, g.addInt64Initializer(g.uniqueName('flat'), [-1, dim])]);
  const centred = g.op('Sub', [flat, g.addInitializer(g.uniqueName('normal_mean'), mean, [dim])]);
  // Directions transposed to [dim, k] for the MatMul.
  const basis = new Float32Array(dim * k);
  for (let j = 0; j < k; j++) for (let a = 0; a < dim; a++) basis[a * k + j] = directions[j * dim + a]!;
  const z = g.op('MatMul', [centred, g.addInitializer(g.uniqueName('normal_basis'), basis, [dim, k])]);
  const zz = g.op('Mul', [z, z]);
  const sum = (x: string): string => g.op('ReduceSum', [x, g.addInt64Initializer(g.uniqueName('last_axis'), [1])], { keepdims: OnnxAttr.int(0) });
  const inside = sum(g.op('Div', [zz, g.addInitializer(g.uniqueName('normal_variances'), variances, [k])]));
  const residual = g.op('Sub', [sum(g.op('Mul', [centred, centred])), sum(zz)]);
  const error = g.op('Div', [g.op('Add', [inside, g.op('Div', [residual, scalar(g, residualVariance, 'residual_variance')])]), scalar(g, dim, 'dim')]);
  g.addNode('Identity', [error], ['novelty_error']);
  g.addNode('Sigmoid', [calibrate(g, 'novelty_error', spec.noveltyCalibration)], ['novelty_score']);
  g.addOutput('novelty_score', ['batch']);
  g.addOutput('novelty_error', ['batch']);
}

function calibrate(g: OnnxGraphBuilder, error: string, c: LogisticCalibration): string {
  return g.op('Div', [g.op('Sub', [error, scalar(g, c.center, 'center')]), scalar(g, c.scale, 'scale')]);
}

function scalar(g: OnnxGraphBuilder, value: number, name: string): string {
  return g.addInitializer(g.uniqueName(name), new Float32Array([value]), []);
}
