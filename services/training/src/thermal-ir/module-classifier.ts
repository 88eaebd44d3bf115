import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '@premonitor/ml/data';
import { auc } from '../evaluation/roc.js';
import type { EpochProgress } from '../training-progress.js';
import { augmentFrame } from './frame-augmentation.js';
import type { AugmentationPlan } from './frame-augmentation.js';
import { levelChannelInput } from './level-channel.js';
import type { ImageLevel, LevelChannel } from './level-channel.js';

/** Shape and schedule of the module classifier. */
export interface ClassifierPlan {
  /** Filters of the three 3×3 conv stages (each followed by 2×2 max pooling). */
  readonly filters: readonly [number, number, number];
  /** 3×3 convs in each stage before its pooling (VGG-style; default one per stage). */
  readonly convsPerStage?: readonly [number, number, number] | undefined;
  /** Batch normalisation between each conv and its ReLU (folded into Mul+Add at export). */
  readonly batchNorm: boolean;
  /** Units of the hidden dense layer. */
  readonly dense: number;
  readonly dropout: number;
  /** Most epochs; training stops earlier when the validation AUC stops improving. */
  readonly epochs: number;
  /** Epochs without a better validation AUC before stopping (the best weights are kept). */
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Learning rate at the last epoch, as a fraction of the first (cosine decay). */
  readonly finalLearningRateFraction: number;
  /**
   * Class balance of each epoch's draw: a class is drawn with probability ∝ count^(1 − power).
   * 0 keeps the data's proportions, 1 draws every class equally; in between lifts the rare
   * fault classes without drowning the normal modules.
   */
  readonly balancePower: number;
  readonly seed: number;
  /**
   * Average the class probabilities over the image and its three mirror images (left–right,
   * top–bottom, both) when predicting: a module is symmetric and training already flips at random,
   * so the four views are equally valid and their mean is steadier than any one. The ONNX graph
   * does the same (`thermal-ir-graph.ts`); costs 4× the classifier's inference.
   */
  readonly mirrorAveraging: boolean;
  /**
   * A second input channel with the image's own levels (`(raw − offset) / scale`) beside the
   * standardised one, so the net also sees the level and contrast the standardisation removes.
   * Absent: the standardised image alone (the model then reads any linear scale alike).
   */
  readonly levelChannel?: LevelChannel | undefined;
}

/** Standardised images (`height × width` each) with their class index. */
export interface LabelledImages {
  readonly images: readonly Float32Array[];
  readonly labels: readonly number[];
  /** Each image's mean and spread before standardisation (needed with a level channel). */
  readonly levels?: readonly ImageLevel[];
}

/** The trained network and how training went. */
export interface TrainedClassifier {
  readonly model: tf.LayersModel;
  /** Epochs run (≤ plan.epochs) and the one whose weights were kept. */
  readonly epochsRun: number;
  readonly bestEpoch: number;
  /** Validation AUC of the normal class against all others at the kept epoch. */
  readonly bestValidationAuc: number;
}

/** Adam whose learning rate the schedule can change between epochs. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

/**
 * Three conv stages (one or more 3×3 convs with optional batch norm and ReLU, then a 2×2 max pool) → flatten → dropout → dense ReLU → softmax over
 * the classes. Input `[height, width, 1]`, standardised. Only layers the ONNX exporter knows.
 */
export function buildModuleClassifier(height: number, width: number, classes: number, plan: ClassifierPlan): tf.Sequential {
  let seed = plan.seed;
  const init = () => ({ kernelInitializer: tf.initializers.heNormal({ seed: seed++ }) });
  const model = tf.sequential();
  plan.filters.forEach((filters, stage) => {
    for (let k = 0; k < (plan.convsPerStage?.[stage] ?? 1); k++) {
      const inputShape = stage === 0 && k === 0 ? [height, width, inputChannels(plan)] : undefined;
      if (plan.batchNorm) {
        model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, inputShape, ...init() }));
        model.add(tf.layers.batchNormalization());
        model.add(tf.layers.reLU());
      } else {
        model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', inputShape, ...init() }));
      }
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: plan.dropout, seed: seed++ }));
  model.add(tf.layers.dense({ units: plan.dense, activation: 'relu', ...init() }));
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }));
  return model;
}

/**
 * Trains the classifier: each epoch draws a class-balanced sample (see `balancePower`) of the
 * training images, augments every draw afresh, and fits one pass; the learning rate follows a
 * cosine from `learningRate` down to its final fraction; the validation AUC of normal against
 * every other class (1 − P(normal) as the score) picks the epoch whose weights are kept and
 * stops training after `patience` epochs without improvement. Not validation loss: the
 * class-balanced draws skew the probabilities away from the data's class mix, so the loss on
 * validation rises while the ranking still improves (measured: it kept epoch 3 of 6). Seeded:
 * the same data and plan give the same draws (tfjs kernels may still differ in the last bits).
 */
export async function trainModuleClassifier(
  train: LabelledImages,
  validation: LabelledImages,
  shape: { readonly height: number; readonly width: number; readonly classes: number; readonly normalIndex: number },
  plan: ClassifierPlan,
  augmentation: AugmentationPlan,
  onEpoch: (progress: EpochProgress & { readonly validationLoss: number; readonly validationAccuracy: number; readonly validationAuc: number }) => void,
): Promise<TrainedClassifier> {
  const { height, width, classes } = shape;
  const pixels = height * width;
  const channels = inputChannels(plan);
  const values = pixels * channels;
  const model = buildModuleClassifier(height, width, classes, plan);
  const optimizer = new ScheduledAdam(plan.learningRate, 0.9, 0.999, 1e-7);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const random = new SeededRandom(plan.seed);
  const byClass = Array.from({ length: classes }, () => [] as number[]);
  train.labels.forEach((label, i) => byClass[label]!.push(i));
  const weights = byClass.map((list) => (list.length === 0 ? 0 : list.length ** (1 - plan.balancePower)));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  const lastClass = weights.findLastIndex((w) => w > 0);

  const validationX = tf.tensor4d(packImages(modelInputs(validation.images, validation.levels, plan.levelChannel), values), [validation.images.length, height, width, channels]);
  const validationY = tf.tidy(() => tf.oneHot(tf.tensor1d([...validation.labels], 'int32'), classes));
  const started = performance.now();
  let best = { auc: Number.NEGATIVE_INFINITY, epoch: 0, weights: [] as tf.Tensor[] };
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= plan.epochs; epoch++) {
      const progress = plan.epochs === 1 ? 0 : (epoch - 1) / (plan.epochs - 1);
      optimizer.setLearningRate(plan.learningRate * (plan.finalLearningRateFraction + (1 - plan.finalLearningRateFraction) * 0.5 * (1 + Math.cos(Math.PI * progress))));
      const n = train.images.length;
      const data = new Float32Array(n * values);
      const labels = new Int32Array(n);
      const scratch = new Float32Array(pixels);
      for (let k = 0; k < n; k++) {
        const u = random.next();
        const c = cumulative.findIndex((edge, i) => u < edge && weights[i]! > 0);
        const list = byClass[c < 0 ? lastClass : c]!;
        const index = list[Math.floor(random.next() * list.length)]!;
        const augmented = augmentFrame(train.images[index]!, height, width, augmentation, random, scratch);
        data.set(plan.levelChannel ? levelChannelInput(augmented, levelOf(train.levels, index), plan.levelChannel) : augmented, k * values);
        labels[k] = train.labels[index]!;
      }
      const x = tf.tensor4d(data, [n, height, width, channels]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
      const history = await model.fit(x, y, { epochs: 1, batchSize: plan.batchSize, shuffle: false, verbose: 0 });
      tf.dispose([x, y]);
      const [lossT, accT] = model.evaluate(validationX, validationY, { batchSize: 256 }) as tf.Scalar[];
      const validationLoss = (await lossT!.data())[0]!;
      const validationAccuracy = (await accT!.data())[0]!;
      tf.dispose([lossT!, accT!]);
      const validationAuc = normalVersusRest(predictClasses(model, validation, height, width, plan), validation.labels, classes, shape.normalIndex);
      onEpoch({ epoch, epochs: plan.epochs, loss: Number(history.history['loss']?.[0] ?? Number.NaN), elapsedS: (performance.now() - started) / 1000, validationLoss, validationAccuracy, validationAuc });
      if (validationAuc > best.auc) {
        tf.dispose(best.weights);
        best = { auc: validationAuc, epoch, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= plan.patience) {
        break;
      }
      // Lets other work on the event loop (progress streams, cancellation) run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    model.setWeights(best.weights);
  } finally {
    // The optimizer's moment variables are not the model's: dispose them here, not globally, so
    // other models in the same process (a retraining service) keep theirs.
    optimizer.dispose();
    tf.dispose([validationX, validationY, ...best.weights]);
  }
  return { model, epochsRun: Math.min(epoch, plan.epochs), bestEpoch: best.epoch, bestValidationAuc: best.auc };
}

/**
 * Class probabilities `[n × classes]` of standardised images (with their levels when the plan has
 * a level channel), in batches; with `mirrorAveraging` the mean over each image and its three
 * mirror images (as the exported graph computes it).
 */
export function predictClasses(model: tf.LayersModel, data: Pick<LabelledImages, 'images' | 'levels'>, height: number, width: number, plan: Pick<ClassifierPlan, 'mirrorAveraging' | 'levelChannel'>): Float32Array {
  const { images } = data;
  const classes = (model.outputs[0]!.shape.at(-1) as number | null) ?? 0;
  const channels = inputChannels(plan);
  const views = plan.mirrorAveraging ? MIRROR_VIEWS : [MIRROR_VIEWS[0]!];
  const out = new Float32Array(images.length * classes);
  for (let start = 0; start < images.length; start += 512) {
    const batch = images.slice(start, start + 512);
    const levels = data.levels?.slice(start, start + 512);
    for (const view of views) {
      const mirrored = modelInputs(batch.map((image) => mirrorImage(image, height, width, view)), levels, plan.levelChannel);
      const probs = tf.tidy(() => model.predict(tf.tensor4d(packImages(mirrored, height * width * channels), [batch.length, height, width, channels])) as tf.Tensor);
      const values = probs.dataSync();
      probs.dispose();
      for (let i = 0; i < values.length; i++) out[start * classes + i] += values[i]! / views.length;
    }
  }
  return out;
}

/** The four views the classifier averages over, in the order the graph concatenates them. */
export const MIRROR_VIEWS: readonly { readonly leftRight: boolean; readonly topBottom: boolean }[] = [
  { leftRight: false, topBottom: false },
  { leftRight: true, topBottom: false },
  { leftRight: false, topBottom: true },
  { leftRight: true, topBottom: true },
];

function mirrorImage(image: Float32Array, height: number, width: number, view: { readonly leftRight: boolean; readonly topBottom: boolean }): Float32Array {
  if (!view.leftRight && !view.topBottom) return image;
  const out = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    const sy = view.topBottom ? height - 1 - y : y;
    for (let x = 0; x < width; x++) out[y * width + x] = image[sy * width + (view.leftRight ? width - 1 - x : x)]!;
  }
  return out;
}

function inputChannels(plan: Pick<ClassifierPlan, 'levelChannel'>): number {
  return plan.levelChannel ? 2 : 1;
}

function levelOf(levels: readonly ImageLevel[] | undefined, index: number): ImageLevel {
  const level = levels?.[index];
  if (!level) throw new RangeError(`image ${index} has no level: a level channel needs each image's mean and spread`);
  return level;
}

/** The network's input of each standardised image: itself, or it and its level channel interleaved. */
function modelInputs(images: readonly Float32Array[], levels: readonly ImageLevel[] | undefined, channel: LevelChannel | undefined): readonly Float32Array[] {
  return channel ? images.map((image, i) => levelChannelInput(image, levelOf(levels, i), channel)) : images;
}

function normalVersusRest(probs: Float32Array, labels: readonly number[], classes: number, normalIndex: number): number {
  return auc(labels.map((label, i) => ({ score: 1 - probs[i * classes + normalIndex]!, anomalous: label !== normalIndex })));
}

function packImages(images: readonly Float32Array[], pixels: number): Float32Array {
  const data = new Float32Array(images.length * pixels);
  images.forEach((image, i) => data.set(image, i * pixels));
  return data;
}
