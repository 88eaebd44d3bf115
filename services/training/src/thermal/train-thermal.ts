import { describeLayersModel, heldOutLogDistances } from '@premonitor/ml';
import type { BaselineSpec, ModelMetadata } from '@premonitor/ml';
import { deviceBaselines, enrollDevices, fitDeviceCalibration, noBaselines } from '../baseline/enroll-devices.js';
import type { EnrolledDevice } from '../baseline/enroll-devices.js';
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
import type { ThermalDeviceHead, ThermalGraphSpec } from './thermal-graph.js';
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
  const fingerprint = dataFingerprint({ generator: '@premonitor/ml/data thermal', train: plan.train, validation: plan.validation, test: plan.test, enrollment: plan.device.enrollment });
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

  const baselineSpec: BaselineSpec = { method: 'subspace', embedding: pixels, components: plan.device.components, noiseFloor: plan.device.noiseFloor, frames: plan.device.enrollment.episodesPerInstance! * plan.device.enrollment.framesPerEpisode! };
  const baseMeta: ModelMetadata = {
    kind: 'thermal',
    version,
    inputs: [
      { name: 'frame', type: 'float32', shape: ['batch', height, width] },
      { name: 'baseline', type: 'float32', shape: ['batch', plan.device.components + 2, pixels] },
      { name: 'enrolled', type: 'float32', shape: ['batch'] },
    ],
    frameShape: [height, width],
    trainingDataFingerprint: fingerprint,
    baseline: baselineSpec,
  };
  const unit: LogisticCalibration = { method: 'logistic', center: 0, scale: 1, normalQuantile: plan.normalQuantile };
  const build = (metadata: ModelMetadata, calibration: LogisticCalibration, device: Pick<ThermalDeviceHead, 'mix' | 'calibration'>): Uint8Array =>
    buildThermalModel({ height, width, scaleC, network, calibration, metadata, device: { spec: baselineSpec, pool: plan.device.pool, top: plan.device.top, ...device } });
  const identityDevice = { mix: { deviceMedian: 1, fleetMedian: 1, fleetWeight: plan.device.fleetWeight }, calibration: unit };

  const validation = await timed(log, 'generating validation frames (healthy, and the tuning fault kinds)', () => collect(plan.validation));
  const enrollment = await timed(log, 'generating the enrollment frames of the validation and test cameras', () => collectEnrollment(plan, [...plan.validation.instances, ...plan.test.instances]));
  // Healthy episodes only: faults never move a threshold.
  const healthyValidation = validation.filter((f) => f.anomaly === undefined);
  // First the fleet head's threshold, because enrollment leaves out what the fleet flags.
  const fleetProbe = await OnnxScorer.create(build(baseMeta, unit, identityDevice), 'frame', [height, width]);
  const fleetErrors = (await fleetProbe.run(healthyValidation.map((f) => f.celsius), 64, noBaselines(baselineSpec, healthyValidation.length))).extra['fleet_error']!;
  await fleetProbe.close();
  const calibration = fitLogisticCalibration([...fleetErrors], plan.normalQuantile);
  const probe = await OnnxScorer.create(build(baseMeta, calibration, identityDevice), 'frame', [height, width]);
  const validationDevices = await enrollDevices(probe, baselineSpec, enrollmentOf(enrollment, plan.validation.instances));
  const probed = await probe.run(healthyValidation.map((f) => f.celsius), 64, deviceBaselines(baselineSpec, validationDevices, healthyValidation.length, (i) => String(healthyValidation[i]!.instanceId)));
  await probe.close();
  const device = fitDeviceCalibration([...probed.extra['device_distance']!], [...probed.extra['fleet_error']!], plan.device.fleetWeight, plan.normalQuantile);
  const cameraSpec = withCameraThresholds(plan, baselineSpec, device, enrollmentOf(enrollment, plan.validation.instances));
  log(cameraSpec.threshold ? `per-camera thresholds: ${cameraSpec.threshold.falseAlarmsPerDay} false alarm(s) in ${cameraSpec.threshold.framesPerDay} frames a day, prior spread ${cameraSpec.threshold.priorSpread.toFixed(3)} (validation cameras)` : 'per-camera thresholds: none (the device error has a fleet share)');
  const trainS = (performance.now() - started) / 1000;

  const provisional: ModelMetadata = { ...baseMeta, baseline: cameraSpec, threshold: 0.5, calibration: { ...calibration, device: device.calibration, deviceMix: device.mix } };
  const scorer = await OnnxScorer.create(build(provisional, calibration, device), 'frame', [height, width]);
  const tuning = await evaluateFrames(scorer, baselineSpec, validation, validationDevices);
  const test = await timed(log, 'generating held-out test frames', () => collect(plan.test));
  const testDevices = await enrollDevices(scorer, cameraSpec, enrollmentOf(enrollment, plan.test.instances));
  const evaluated = await timed(log, `evaluating the exported model on ${test.length} frames, against each camera's baseline and against the fleet`, () => evaluateFrames(scorer, baselineSpec, test, testDevices));
  const firstDevice = testDevices.get(String(test[0]!.instanceId));
  const latencyMs = await scorer.latencyMs(test[0]!.celsius, 50, firstDevice ? { values: firstDevice.baseline, shape: [plan.device.components + 2, pixels] } : undefined);
  await scorer.close();

  const report = buildThermalReport({
    plan, version, fingerprint, calibration, device, trainS, fitS, scaleC, heldOutKinds: THERMAL_HELD_OUT_KINDS,
    test: evaluated.device, fleet: evaluated.fleet, validation: tuning.device, enrolled: [...testDevices.values()],
  });
  const metadata: ModelMetadata = { ...provisional, metrics: report.flatMetrics };
  const bytes = build(metadata, calibration, device);
  return {
    kind: 'thermal',
    name: width === 32 && height === 24 ? 'thermal' : `thermal-${width}x${height}`,
    version,
    bytes,
    metadata,
    variants: [],
    // INT8 does not pay here: the whole model is a few KiB of weights and runs in microseconds.
    report: { ...report.json, size_bytes: bytes.length, latency_ms: Math.round(latencyMs * 1000) / 1000, int8: 'not built: the float32 model is already small and fast (see size_bytes, latency_ms)' },
    text: [...report.text, `size ${(bytes.length / 1024).toFixed(1)} KiB, ${latencyMs.toFixed(3)} ms per frame (onnxruntime-node, 1 thread, batch 1, against a baseline)`],
    chart: report.chart,
    summary: { ...report.summary, train_s: Math.round(trainS * 10) / 10 },
  };
}

/**
 * The baseline spec with each camera's own threshold (`fitBaseline` then scales the camera's
 * spread row so its threshold sits where the shared calibration has score 0.5): the ln distance
 * at score 0.5 is ln(healthy median) + center, and the prior spread of a camera's ln distances
 * is the root mean square of the validation cameras' held-out spreads (their first `frames`
 * enrollment frames; the embedding is the frame); `sharedQuantile` (the shared calibration's
 * quantile of the validation cameras' healthy frames) gives each camera's threshold its floor
 * (`sharedThresholdFloor`). Only when the device error is the distance
 * alone (no fleet share), else the spec is returned as it is.
 */
function withCameraThresholds(plan: ThermalPlan, spec: BaselineSpec, device: Pick<ThermalDeviceHead, 'mix' | 'calibration'>, cameras: ReadonlyMap<string, readonly Float32Array[]>): BaselineSpec {
  if (!device.mix || device.mix.fleetWeight !== 0 || 'own' in device.calibration) return spec;
  const distanceSpec: BaselineSpec = { ...spec, distance: { height: plan.height, width: plan.width, pool: plan.device.pool, top: plan.device.top } };
  const variances = [...cameras.values()].filter((frames) => frames.length >= spec.frames).map((frames) => {
    const logs = heldOutLogDistances(distanceSpec, frames.slice(0, spec.frames));
    const mean = logs.reduce((a, v) => a + v, 0) / logs.length;
    return logs.reduce((a, v) => a + (v - mean) ** 2, 0) / (logs.length - 1);
  });
  if (variances.length === 0) return spec;
  const priorSpread = Math.sqrt(variances.reduce((a, v) => a + v, 0) / variances.length);
  const logDistanceAtThreshold = Math.log(device.mix.deviceMedian) + device.calibration.center;
  return { ...distanceSpec, threshold: { ...plan.device.threshold, priorSpread, logDistanceAtThreshold, sharedQuantile: device.calibration.normalQuantile } };
}

/** Scores `frames` twice: each against its camera's baseline (where enrolled) and all against the fleet. */
async function evaluateFrames(scorer: OnnxScorer, spec: BaselineSpec, frames: readonly ThermalExample[], devices: ReadonlyMap<string, EnrolledDevice>): Promise<{ device: EvaluatedExample[]; fleet: EvaluatedExample[] }> {
  const items = frames.map((f) => f.celsius);
  const own = await scorer.run(items, 64, deviceBaselines(spec, devices, frames.length, (i) => String(frames[i]!.instanceId)));
  const fleet = await scorer.run(items, 64, noBaselines(spec, frames.length));
  return {
    device: frames.map((f, i) => toExample(f, own.error[i]!, own.score[i]!)),
    fleet: frames.map((f, i) => toExample(f, fleet.error[i]!, fleet.score[i]!)),
  };
}

async function collectEnrollment(plan: ThermalPlan, instances: readonly number[]): Promise<ThermalExample[]> {
  return collect({ ...plan.train, ...plan.device.enrollment, instances, anomalyKinds: [] });
}

function enrollmentOf(frames: readonly ThermalExample[], instances: readonly number[]): Map<string, Float32Array[]> {
  const out = new Map<string, Float32Array[]>(instances.map((i) => [String(i), []]));
  for (const f of frames) out.get(String(f.instanceId))?.push(f.celsius);
  return out;
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
    // Bands after NETA MTS: ΔT 1–3 °C possible deficiency, 4–15 °C probable, > 15 °C major.
    tags['delta'] = f.anomalyDeltaC < 4 ? '1-4 C' : f.anomalyDeltaC < 15 ? '4-15 C' : '>=15 C';
  }
  return { error, score, anomalous: f.label === 'anomaly', tags };
}
