import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { readModelMetadata } from '@premonitor/ml';
import { thermalImageRaster } from '@premonitor/ml/data';
import { OnnxScoringModel, type ScoringModel } from '@premonitor/inference';
import { FrameAdaptError, thermalImageRows, thermalRows } from '@premonitor/ml/scoring';
import { HOT_SPOT_CLASSES, THERMAL_IR_CLASSES, evaluateThermalIr, loadThermalIrDataset, splitByImageId, thermalIrPlan, type EvaluatedImage, type ThermalIrEvaluation, type ThermalIrSample } from '@premonitor/training';

/** Where the section reads its inputs. */
export interface ThermalSectionOptions {
  /** The thermal-ir folder (module_metadata.json + images/). */
  readonly dataDir: string;
  /** Today's °C scene model (`models/thermal.onnx`). */
  readonly sceneModel: string;
  /** The module-image model (`models/thermal-ir.onnx`). */
  readonly imageModel: string;
  /** The module-image model shipped before this work (bytes read from git), scored the same way; optional. */
  readonly previousImageModel?: { readonly bytes: Uint8Array; readonly ref: string };
  readonly splitSeed: number;
  readonly log: (line: string) => void;
}

/** One model's figures on the thermal-ir test split. */
export interface ThermalModelRow {
  readonly model: string;
  readonly how: string;
  readonly evaluation: ThermalIrEvaluation | null;
  /** Why the model could not score the images as they are, if it could not. */
  readonly refused?: string;
  /** onnxruntime-node, 1 thread: CPU-ms per image in batches of 64, and median ms for one image alone. */
  readonly cpuMsPerImage: number;
  readonly latencyMs: number;
}

/** The thermal part of `npm run bench -- real-models`. */
export interface ThermalSection {
  readonly before: ThermalModelRow;
  /** The previously shipped module-image model, when given. */
  readonly previous?: ThermalModelRow;
  readonly after: ThermalModelRow;
  readonly images: number;
}

// Naive °C mapping for the "before" model: levels 0–255 spread over 15–75 °C (a 60 °C span,
// plausible for a module in the sun). The scene model reads absolute °C; the images carry none.
const NAIVE_SCALE = { kind: 'range', minC: 15, maxC: 75 } as const;

/**
 * Scores the thermal-ir test split (the same seeded split by image id as training) with today's
 * °C scene model and with the module-image model, through the inference service's own adapters
 * (`thermalImageRows`, `OnnxScoringModel`): first as the images are (no temperature scale), which
 * the scene model refuses; then the scene model through a naive °C mapping and resized to its
 * 32×24 frame, scored against the fleet. The class probabilities of the image model come from a
 * second onnxruntime session on the same bytes.
 */
export async function runThermalSection(options: ThermalSectionOptions): Promise<ThermalSection> {
  const { log } = options;
  const plan = thermalIrPlan(false, options.splitSeed);
  const samples = await loadThermalIrDataset({ dir: options.dataDir, width: plan.width, height: plan.height, classes: THERMAL_IR_CLASSES });
  const split = splitByImageId(samples, options.splitSeed, plan.split);
  const test = split.test.map((i) => samples[i]!);
  log(`thermal-ir: ${samples.length} images, test split (seed ${options.splitSeed}): ${test.length}`);
  const classes = { classes: THERMAL_IR_CLASSES, normalClass: 'No-Anomaly', hotSpotClasses: HOT_SPOT_CLASSES, threshold: 0.5 };

  const scene = await OnnxScoringModel.load(await readFile(options.sceneModel), 'thermal', 'scene', { intraOpThreads: 1 });
  let refused: string | undefined;
  try {
    thermalImageRows(thermalImageRaster(image(test[0]!)), scene);
  } catch (err) {
    if (!(err instanceof FrameAdaptError)) throw err;
    refused = err.message;
  }
  const sceneRows = test.map((s) => thermalRows({ width: plan.width, height: plan.height, celsius: thermalImageRaster(image(s), NAIVE_SCALE).values }, scene)[0]!);
  const sceneRun = await timedScores(scene, sceneRows);
  const before: ThermalModelRow = {
    model: `thermal.onnx ${scene.version} (°C scene model, ${scene.frameShape[1]}×${scene.frameShape[0]}, fleet head)`,
    how: `refused the images as they are; scored through a naive mapping (levels 0-255 → ${NAIVE_SCALE.minC}-${NAIVE_SCALE.maxC} °C) resized to ${scene.frameShape[1]}×${scene.frameShape[0]}`,
    evaluation: evaluateThermalIr(test.map((s, i) => ({ label: s.label, score: sceneRun.scores[i]! })), { ...classes, threshold: scene.threshold ?? 0.5 }),
    ...(refused ? { refused } : {}),
    cpuMsPerImage: sceneRun.cpuMsPerImage,
    latencyMs: sceneRun.latencyMs,
  };
  await scene.release();

  const scoreImageModel = async (bytes: Uint8Array, label: string): Promise<ThermalModelRow> => {
    const meta = readModelMetadata(bytes);
    const model = await OnnxScoringModel.load(bytes, 'thermal', 'thermal-ir', { intraOpThreads: 1 });
    const rows = test.map((s) => thermalImageRows(thermalImageRaster(image(s)), model)[0]!);
    const run = await timedScores(model, rows);
    await model.release();
    const probs = await classProbabilities(bytes, rows, [plan.height, plan.width], meta.classes?.length ?? THERMAL_IR_CLASSES.length);
    return {
      model: `thermal-ir.onnx ${meta.version}${label} (module-image model, ${plan.width}×${plan.height}, ${meta.thermalInput ?? 'celsius'} input)`,
      how: 'the images as they are (8-bit levels, no temperature scale)',
      evaluation: evaluateThermalIr(test.map((s, i): EvaluatedImage => ({ label: s.label, score: run.scores[i]!, probs: probs[i]! })), classes),
      cpuMsPerImage: run.cpuMsPerImage,
      latencyMs: run.latencyMs,
    };
  };
  const previous = options.previousImageModel ? await scoreImageModel(options.previousImageModel.bytes, ` at ${options.previousImageModel.ref}`) : undefined;
  const after = await scoreImageModel(new Uint8Array(await readFile(options.imageModel)), '');
  return { before, ...(previous ? { previous } : {}), after, images: test.length };
}

function image(sample: ThermalIrSample) {
  return { format: 'jpeg' as const, width: 24, height: 40, bitDepth: 8 as const, intensity: sample.values };
}

async function timedScores(model: ScoringModel, rows: readonly Float32Array[]): Promise<{ scores: Float32Array; cpuMsPerImage: number; latencyMs: number }> {
  const per = rows[0]!.length;
  const scores = new Float32Array(rows.length);
  const cpu0 = process.cpuUsage();
  for (let start = 0; start < rows.length; start += 64) {
    const batch = rows.slice(start, start + 64);
    const input = new Float32Array(batch.length * per);
    batch.forEach((r, i) => input.set(r, i * per));
    scores.set((await model.run(input, batch.length)).score, start);
  }
  const cpu = process.cpuUsage(cpu0);
  const times: number[] = [];
  for (let i = 0; i < 55; i++) {
    const t0 = performance.now();
    await model.run(Float32Array.from(rows[i % rows.length]!), 1);
    if (i >= 5) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { scores, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / rows.length, latencyMs: times[Math.floor(times.length / 2)]! };
}

async function classProbabilities(bytes: Uint8Array, rows: readonly Float32Array[], shape: readonly [number, number], classes: number): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const per = rows[0]!.length;
    const out: Float32Array[] = [];
    for (let start = 0; start < rows.length; start += 256) {
      const batch = rows.slice(start, start + 256);
      const input = new Float32Array(batch.length * per);
      batch.forEach((r, i) => input.set(r, i * per));
      const result = await session.run({ frame: new ort.Tensor('float32', input, [batch.length, ...shape]) });
      const probs = result['class_probs']!.data as Float32Array;
      for (let i = 0; i < batch.length; i++) out.push(probs.slice(i * classes, (i + 1) * classes));
    }
    return out;
  } finally {
    await session.release();
  }
}
