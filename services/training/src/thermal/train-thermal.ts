import { describeLayersModel } from '@premonitor/ml';
import type { ModelMetadata } from '@premonitor/ml';
import { thermalDataset } from '@premonitor/ml/data';
import type { ThermalDatasetOptions, ThermalExample } from '@premonitor/ml/data';
import { useTfjsBackend } from '@premonitor/ml/training';
import { OnnxScorer } from '../onnx/onnx-scorer.js';
import { fitLogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { EvaluatedExample } from '../evaluation/group-metrics.js';
import { dataFingerprint, versionFromTime } from '../training-data.js';
import { formatEpoch, timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import type { TrainedModel } from '../trained-model.js';
import { trainConvAutoencoder } from './conv-autoencoder.js';
import { frameScale, normaliseFrame } from './frame-normalisation.js';
import { buildThermalModel } from './thermal-graph.js';
import { buildThermalReport } from './thermal-report.js';
import { THERMAL_HELD_OUT_KINDS, thermalPlan } from './thermal-plan.js';
import type { ThermalArchitecture, ThermalPlan } from './thermal-plan.js';
import type { ThermalGraphSpec } from './thermal-graph.js';
import { extractPatches } from './patch-extraction.js';
import { fitGaussianWhitening } from '../acoustic/gaussian-model.js';

/** Options of one thermal training run. */
export interface TrainThermalOptions {
  readonly quick: boolean;
  readonly now: Date;
  readonly log: ProgressSink;
  /** Default `patch-gaussian`. */
  readonly architecture?: ThermalArchitecture;
  /** Sensor size (default 32×24, MLX90640). */
  readonly width?: number;
  readonly height?: number;
}

/**
 * Trains the conv autoencoder on healthy frames, exports it with normalisation and
 * calibration in the graph, fits the threshold on healthy validation machines and
 * evaluates the exported bytes on held-out machines and faulty episodes.
 */
export async function trainThermal(options: TrainThermalOptions): Promise<TrainedModel> {
  const { log } = options;
  const plan = thermalPlan(options.quick, options.architecture, options.width, options.height);
  const { width, height } = plan;
  const started = performance.now();
  const fingerprint = dataFingerprint({ generator: '@premonitor/ml/data thermal', train: plan.train, validation: plan.validation, test: plan.test });
  const version = versionFromTime(options.now);

  const train = await timed(log, 'generating healthy training frames', () => collect(plan.train));
  const scaleC = frameScale(train.map((f) => f.celsius));
  const pixels = height * width;
  const x = new Float32Array(train.length * pixels);
  train.forEach((f, i) => x.set(normaliseFrame(f.celsius, scaleC), i * pixels));

  const fitStarted = performance.now();
  const network = plan.architecture === 'patch-gaussian'
    ? await timed(log, `fitting a Gaussian over ${plan.patchSize}×${plan.patchSize} patches of ${train.length} frames`, async () => fitPatchGaussian(x, train.length, plan))
    : await trainAutoencoder(x, plan, log);
  const fitS = (performance.now() - fitStarted) / 1000;

  const baseMeta: ModelMetadata = {
    kind: 'thermal',
    version,
    inputs: [{ name: 'frame', type: 'float32', shape: ['batch', height, width] }],
    frameShape: [height, width],
    trainingDataFingerprint: fingerprint,
  };
  const build = (metadata: ModelMetadata, calibration: LogisticCalibration): Uint8Array => buildThermalModel({ height, width, scaleC, network, calibration, metadata });
  const validation = await timed(log, 'generating healthy validation frames', () => collect(plan.validation));
  const probe = await OnnxScorer.create(build(baseMeta, { method: 'logistic', center: 0, scale: 1, normalQuantile: plan.normalQuantile }), 'frame', [height, width]);
  const validationErrors = [...(await probe.run(validation.map((f) => f.celsius))).error];
  await probe.close();
  const calibration = fitLogisticCalibration(validationErrors, plan.normalQuantile);
  const trainS = (performance.now() - started) / 1000;

  const test = await timed(log, 'generating held-out test frames', () => collect(plan.test));
  const provisional: ModelMetadata = { ...baseMeta, threshold: 0.5, calibration: { ...calibration } };
  const scorer = await OnnxScorer.create(build(provisional, calibration), 'frame', [height, width]);
  const out = await timed(log, `evaluating the exported model on ${test.length} frames`, () => scorer.run(test.map((f) => f.celsius)));
  const latencyMs = await scorer.latencyMs(test[0]!.celsius);
  await scorer.close();
  const examples = test.map((f, i) => toExample(f, out.error[i]!, out.score[i]!));

  const report = buildThermalReport({ plan, version, fingerprint, calibration, trainS, fitS, scaleC, test: examples, heldOutKinds: THERMAL_HELD_OUT_KINDS });
  const metadata: ModelMetadata = { ...provisional, metrics: report.flatMetrics };
  const bytes = build(metadata, calibration);
  return {
    kind: 'thermal',
    name: width === 32 && height === 24 ? 'thermal' : `thermal-${width}x${height}`,
    version,
    bytes,
    metadata,
    variants: [],
    // INT8 does not pay here: the whole model is a few KiB of weights and runs in microseconds.
    report: { ...report.json, size_bytes: bytes.length, latency_ms: Math.round(latencyMs * 1000) / 1000, int8: 'not built: the float32 model is already small and fast (see size_bytes, latency_ms)' },
    text: [...report.text, `size ${(bytes.length / 1024).toFixed(1)} KiB, ${latencyMs.toFixed(3)} ms per frame (onnxruntime-node, 1 thread, batch 1)`],
    chart: report.chart,
    summary: { ...report.summary, train_s: Math.round(trainS * 10) / 10 },
  };
}

function fitPatchGaussian(frames: Float32Array, count: number, plan: ThermalPlan): ThermalGraphSpec['network'] {
  const pixels = plan.height * plan.width;
  const patches: Float32Array[] = [];
  for (let i = 0; i < count; i++) patches.push(extractPatches(frames.subarray(i * pixels, (i + 1) * pixels), plan.height, plan.width, plan.patchSize, 2));
  const rows = new Float32Array(patches.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of patches) {
    rows.set(p, offset);
    offset += p.length;
  }
  return { kind: 'patch-gaussian', patchSize: plan.patchSize, whitening: fitGaussianWhitening(rows, plan.patchSize ** 2, { shrinkage: plan.shrinkage }) };
}

async function trainAutoencoder(frames: Float32Array, plan: ThermalPlan, log: ProgressSink): Promise<ThermalGraphSpec['network']> {
  // tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so conv training runs on 'cpu' (slow).
  await useTfjsBackend('cpu');
  const { height, width } = plan;
  log(`training conv autoencoder (${plan.channels.join('-')} channels) on ${frames.length / (height * width)} frames of ${width}×${height} (tfjs cpu)`);
  const model = await trainConvAutoencoder(frames, { height, width, channels: plan.channels, epochs: plan.epochs, batchSize: plan.batchSize, learningRate: plan.learningRate, seed: plan.seed }, (p) => log(formatEpoch('thermal', p)));
  const layers = describeLayersModel(model).layers;
  model.dispose();
  return { kind: 'autoencoder', layers };
}

async function collect(options: ThermalDatasetOptions): Promise<ThermalExample[]> {
  const frames: ThermalExample[] = [];
  for (const frame of thermalDataset(options)) {
    frames.push(frame);
    if (frames.length % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  return frames;
}

function toExample(f: ThermalExample, error: number, score: number): EvaluatedExample {
  const tags: Record<string, string> = { instance: String(f.instanceId) };
  if (f.label === 'anomaly') {
    tags['kind'] = f.anomaly?.kind ?? '?';
    tags['delta'] = f.anomalyDeltaC < 3 ? '1-3 C' : f.anomalyDeltaC < 10 ? '3-10 C' : '>=10 C';
  }
  return { error, score, anomalous: f.label === 'anomaly', tags };
}
