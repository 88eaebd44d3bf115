import { createHash } from 'node:crypto';
import { describeLayersModel } from '@premonitor/ml';
import type { ModelMetadata } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { fitLogisticCalibration } from '../evaluation/logistic-calibration.js';
import { OnnxScorer } from '../onnx/onnx-scorer.js';
import { evaluateThermalIr } from '../real-data/thermal-ir-evaluation.js';
import type { EvaluatedImage, ThermalIrEvaluation } from '../real-data/thermal-ir-evaluation.js';
import { versionFromTime } from '../training-data.js';
import { DataSetError } from '../training-errors.js';
import { timed } from '../training-progress.js';
import type { EpochProgress, ProgressSink } from '../training-progress.js';
import type { TrainedModel } from '../trained-model.js';
import { frameLevel, standardiseFrame } from './frame-standardisation.js';
import { predictClasses, trainModuleClassifier } from './module-classifier.js';
import { fitNormalSubspace, imageMirrors, subspaceError } from './normal-subspace.js';
import { buildThermalIrModel } from './thermal-ir-graph.js';
import { thermalIrPlan } from './thermal-ir-plan.js';
import type { ThermalIrPlan } from './thermal-ir-plan.js';
import { buildThermalIrReport } from './thermal-ir-report.js';
import { HOT_SPOT_CLASSES, THERMAL_IR_CLASSES } from './thermal-ir-sample.js';
import type { ThermalIrSample } from './thermal-ir-sample.js';
import { splitByImageId } from './thermal-ir-split.js';

/** Options of one module-image training run. */
export interface TrainThermalIrOptions {
  /** Labelled images at the plan's frame size, in memory (loaded from disk or uploaded). */
  readonly samples: readonly ThermalIrSample[];
  /** Class names, the classifier's output order (default the thermal-ir set's 12). */
  readonly classes?: readonly string[];
  /** The class that means "no anomaly" (default `No-Anomaly`). */
  readonly normalClass?: string;
  /** Classes pooled as "hot spots" in the report (default `Hot-Spot`, `Hot-Spot-Multi`). */
  readonly hotSpotClasses?: readonly string[];
  readonly quick: boolean;
  /** Seed of the split by image id (default 1); the plan's seed otherwise. */
  readonly splitSeed?: number;
  /** Overrides the shipped plan (tests shrink it). */
  readonly plan?: ThermalIrPlan;
  readonly now: Date;
  /** Progress lines (phases, epochs). */
  readonly log: ProgressSink;
  /** Called after every classifier epoch, e.g. for a retraining run's progress stream. */
  readonly onEpoch?: (progress: EpochProgress) => void;
  /** Where the data came from, for the report (e.g. a folder). */
  readonly source?: string;
}

/** A trained module-image model with its evaluation on the held-out split. */
export interface TrainedThermalIrModel extends TrainedModel {
  /** The classifier head on the test split. */
  readonly test: ThermalIrEvaluation;
  /** The unsupervised head on the test split. */
  readonly noveltyTest: ThermalIrEvaluation;
  /** The classifier head on the validation split, from the same exported graph (what candidate recipes are compared by). */
  readonly validation: ThermalIrEvaluation;
}

/**
 * Trains the thermal module-image model on labelled images: splits them by image id
 * (stratified, seeded), standardises each image, fits the unsupervised normal subspace on the
 * normal training images only and trains the conv classifier on all training labels (class
 * balanced, augmented, early stopping on validation AUC), calibrates both heads on normal
 * validation images (1 % false alarms = score 0.5), exports one ONNX graph with the
 * standardisation inside, checks the export against tfjs, and evaluates the exported bytes on
 * the test split with onnxruntime. Callable in-process with samples in memory.
 */
export async function trainThermalIr(options: TrainThermalIrOptions): Promise<TrainedThermalIrModel> {
  const { log } = options;
  const plan = options.plan ?? thermalIrPlan(options.quick, options.splitSeed);
  const classes = options.classes ?? THERMAL_IR_CLASSES;
  const normalClass = options.normalClass ?? 'No-Anomaly';
  const hotSpotClasses = options.hotSpotClasses ?? HOT_SPOT_CLASSES;
  const normalIndex = classes.indexOf(normalClass);
  const { height, width } = plan;
  const pixels = height * width;
  checkSamples(options.samples, classes, normalClass, pixels);
  const started = performance.now();
  const version = versionFromTime(options.now);
  const split = splitByImageId(options.samples, plan.split.seed, plan.split);
  const fingerprint = fingerprintOf(options.samples, plan);
  const standardised = options.samples.map((s) => standardiseFrame(s.values));
  const levels = options.samples.map((s) => frameLevel(s.values));
  const labelled = (indices: readonly number[]) => ({ images: indices.map((i) => standardised[i]!), levels: indices.map((i) => levels[i]!), labels: indices.map((i) => classes.indexOf(options.samples[i]!.label)) });
  const train = labelled(split.train);
  const validation = labelled(split.validation);
  log(`thermal-ir: ${options.samples.length} images, split seed ${plan.split.seed}: ${split.train.length} train, ${split.validation.length} validation, ${split.test.length} test`);

  const normalTrain = train.images.filter((_, i) => train.labels[i] === normalIndex);
  const novelty = await timed(log, `fitting the normal subspace (${plan.noveltyComponents} directions) on ${normalTrain.length} normal training images and their mirror images`, async () => fitNormalSubspace(normalTrain, pixels, plan.noveltyComponents, imageMirrors(height, width), plan.classifier.seed));

  await useTfjsBackend('wasm');
  const fitStarted = performance.now();
  const fitCpu0 = process.cpuUsage();
  log(`training the ${classes.length}-class conv classifier (${plan.classifier.filters.join('-')} filters, ${(plan.classifier.convsPerStage ?? [1, 1, 1]).join('-')} convs per stage) on ${train.images.length} images, ${plan.classifier.epochs} epochs at most (tfjs wasm)`);
  const trained = await trainModuleClassifier(train, validation, { height, width, classes: classes.length, normalIndex }, plan.classifier, plan.augmentation, (p) => {
    log(`[thermal-ir] epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}  validation loss ${p.validationLoss.toFixed(4)} accuracy ${p.validationAccuracy.toFixed(3)} AUC ${p.validationAuc.toFixed(4)}  ${p.elapsedS.toFixed(0)} s`);
    options.onEpoch?.(p);
  });
  const fitS = (performance.now() - fitStarted) / 1000;
  const fitCpu = process.cpuUsage(fitCpu0);
  const fitCpuS = (fitCpu.user + fitCpu.system) / 1e6;
  log(`kept epoch ${trained.bestEpoch} of ${trained.epochsRun} (validation AUC ${trained.bestValidationAuc.toFixed(4)})`);

  // Calibrations from normal validation images only: their 99th percentile becomes score 0.5.
  const validationProbs = predictClasses(trained.model, validation, height, width, plan.classifier);
  const normalValidation = validation.labels.map((l, i) => [l, i] as const).filter(([l]) => l === normalIndex).map(([, i]) => i);
  const logOdds = (probs: Float32Array, i: number): number => Math.log(1 - probs[i * classes.length + normalIndex]! + 1e-7) - Math.log(probs[i * classes.length + normalIndex]! + 1e-7);
  const calibration = fitLogisticCalibration(normalValidation.map((i) => logOdds(validationProbs, i)), plan.normalQuantile);
  const noveltyCalibration = fitLogisticCalibration(normalValidation.map((i) => subspaceError(novelty, validation.images[i]!)), plan.normalQuantile);
  const trainS = (performance.now() - started) / 1000;

  const layers = describeLayersModel(trained.model).layers;
  const metadata = (metrics?: Record<string, number>): ModelMetadata => ({
    kind: 'thermal',
    version,
    inputs: [{ name: 'frame', type: 'float32', shape: ['batch', height, width] }],
    frameShape: [height, width],
    threshold: 0.5,
    calibration: { ...calibration, novelty: noveltyCalibration },
    trainingDataFingerprint: fingerprint,
    // A level channel reads the raw 8-bit levels, so the model no longer takes any linear scale.
    thermalInput: plan.classifier.levelChannel ? 'levels' : 'relative',
    classes,
    ...(metrics ? { metrics } : {}),
  });
  const build = (meta: ModelMetadata): Uint8Array => buildThermalIrModel({ height, width, mirrorAveraging: plan.classifier.mirrorAveraging, levelChannel: plan.classifier.levelChannel, classifier: layers, classes, normalIndex, calibration, novelty, noveltyCalibration, metadata: meta });

  // The exported bytes are what is evaluated: raw test images in, standardisation in the graph.
  const testSamples = split.test.map((i) => options.samples[i]!);
  const scorer = await OnnxScorer.create(build(metadata()), 'frame', [height, width]);
  const cpu0 = process.cpuUsage();
  const outputs = await timed(log, `scoring the ${testSamples.length} test images with the exported model (onnxruntime)`, () => scorer.run(testSamples.map((s) => s.values), 64));
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / testSamples.length;
  const latencyMs = await scorer.latencyMs(testSamples[0]!.values, 50);
  const validationSamples = split.validation.map((i) => options.samples[i]!);
  const validationOutputs = await scorer.run(validationSamples.map((s) => s.values), 64);
  await scorer.close();
  const testImages = split.test.map((i) => standardised[i]!);
  const parity = exportParity(outputs.extra['class_probs']!, predictClasses(trained.model, { images: testImages, levels: split.test.map((i) => levels[i]!) }, height, width, plan.classifier), outputs.extra['novelty_error']!, testImages.map((img) => subspaceError(novelty, img)));
  trained.model.dispose();

  const evaluationClasses = { classes, normalClass, hotSpotClasses, threshold: 0.5 };
  const probsOf = (i: number): Float32Array => outputs.extra['class_probs']!.subarray(i * classes.length, (i + 1) * classes.length);
  const test = evaluateThermalIr(testSamples.map((s, i): EvaluatedImage => ({ label: s.label, probs: probsOf(i), score: outputs.score[i]! })), evaluationClasses);
  const noveltyTest = evaluateThermalIr(testSamples.map((s, i) => ({ label: s.label, score: outputs.extra['novelty_score']![i]! })), evaluationClasses);
  const validationEvaluation = evaluateThermalIr(validationSamples.map((s, i): EvaluatedImage => ({ label: s.label, score: validationOutputs.score[i]! })), evaluationClasses);
  const report = buildThermalIrReport({
    plan, version, fingerprint, source: options.source, classes, normalClass, hotSpotClasses, split, trainS, fitS, fitCpuS, validation: validationEvaluation, epochsRun: trained.epochsRun, bestEpoch: trained.bestEpoch,
    calibration, noveltyCalibration, test, noveltyTest, parity, latencyMs, cpuMsPerImage,
    rocInputs: testSamples.map((s, i) => ({ label: s.label, score: outputs.score[i]! })),
  });
  const bytes = build(metadata(report.flatMetrics));
  return {
    kind: 'thermal',
    name: 'thermal-ir',
    version,
    bytes,
    metadata: metadata(report.flatMetrics),
    variants: [],
    report: { ...report.json, size_bytes: bytes.length },
    text: [...report.text, `size ${(bytes.length / 1024).toFixed(1)} KiB; ${latencyMs.toFixed(3)} ms per image alone, ${cpuMsPerImage.toFixed(3)} CPU-ms per image in batches of 64 (onnxruntime-node, 1 thread)`],
    chart: report.chart,
    pictures: report.pictures,
    summary: { ...report.summary, train_s: Math.round(trainS * 10) / 10 },
    test,
    noveltyTest,
    validation: validationEvaluation,
  };
}

/** Largest differences between the exported graph and the TypeScript/tfjs computation. */
export interface ExportParity {
  readonly class_probs_max_abs_diff: number;
  readonly novelty_error_max_rel_diff: number;
}

function exportParity(onnxProbs: Float32Array, tfjsProbs: Float32Array, onnxNovelty: Float32Array, tsNovelty: readonly number[]): ExportParity {
  let probs = 0;
  for (let i = 0; i < onnxProbs.length; i++) probs = Math.max(probs, Math.abs(onnxProbs[i]! - tfjsProbs[i]!));
  let novelty = 0;
  tsNovelty.forEach((v, i) => (novelty = Math.max(novelty, Math.abs(onnxNovelty[i]! - v) / Math.max(1, Math.abs(v)))));
  return { class_probs_max_abs_diff: probs, novelty_error_max_rel_diff: novelty };
}

function checkSamples(samples: readonly ThermalIrSample[], classes: readonly string[], normalClass: string, pixels: number): void {
  if (!classes.includes(normalClass)) throw new DataSetError(`the normal class '${normalClass}' is not among the classes`);
  const seen = new Set<string>();
  for (const s of samples) {
    if (seen.has(s.id)) throw new DataSetError(`image id ${s.id} appears twice`);
    seen.add(s.id);
    if (!classes.includes(s.label)) throw new DataSetError(`image ${s.id}: unknown class '${s.label}' (known: ${classes.join(', ')})`);
    if (s.values.length !== pixels) throw new DataSetError(`image ${s.id} has ${s.values.length} values, not ${pixels}`);
    if (!s.values.every(Number.isFinite)) throw new DataSetError(`image ${s.id} holds a value that is not finite`);
  }
  if (!samples.some((s) => s.label === normalClass)) throw new DataSetError(`no '${normalClass}' images: the unsupervised head and the calibration need normal images`);
}

/** sha256 over the plan and every image's id, label and values: equal fingerprints saw equal data. */
function fingerprintOf(samples: readonly ThermalIrSample[], plan: ThermalIrPlan): string {
  const hash = createHash('sha256').update(JSON.stringify(plan));
  for (const s of samples) {
    hash.update(`${s.id}\u0000${s.label}\u0000`);
    hash.update(new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength));
  }
  return hash.digest('hex');
}
