import { baselineShape, describeLayersModel, leaveOneOutLogDistances } from '@premonitor/ml';
import type { BaselineSpec, ModelMetadata } from '@premonitor/ml';
import { deviceBaselines, enrollDevices, noBaselines } from '../baseline/enroll-devices.js';
import { fitFleetCalibration, quantileSketch } from '../evaluation/fleet-calibration.js';
import { loadMimiiMachines, mimiiFolder } from '../real-data/mimii-recordings.js';
import type { MimiiMachine } from '../real-data/mimii-recordings.js';
import { evaluateMimii, leaveOneMachineOutFleetMedians, mimiiNormalFleetErrors } from '../real-data/mimii-evaluation.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { useTfjsBackend } from '@premonitor/ml/training';
import { renderAcousticSplit, acousticSplitSize } from './acoustic-corpus.js';
import type { AcousticClip, AcousticSplit } from './acoustic-corpus.js';
import { SpectralExtractor } from './spectral-extractor.js';
import { clipStatistics, lowBandProfile } from './clip-features.js';
import type { ClipModels } from './acoustic-graph.js';
import { bandStatistics, stackFrames } from './frame-stacking.js';
import { trainDenseAutoencoder } from './dense-autoencoder.js';
import { buildAcousticModel } from './acoustic-graph.js';
import type { AcousticGraphSpec } from './acoustic-graph.js';
import { ACOUSTIC_HELD_OUT_KINDS, acousticPlan } from './acoustic-plan.js';
import type { AcousticPlan } from './acoustic-plan.js';
import type { AcousticArchitecture } from './acoustic-plan.js';
import { fitGaussianWhitening } from './gaussian-model.js';
import type { FoldedDense } from '../onnx/folded-dense-stack.js';
import { buildAcousticReport } from './acoustic-report.js';
import { foldDenseStack } from '../onnx/folded-dense-stack.js';
import { OnnxScorer } from '../onnx/onnx-scorer.js';
import { quantile } from '../evaluation/roc.js';
import type { EvaluatedExample } from '../evaluation/group-metrics.js';
import { dataFingerprint, versionFromTime } from '../training-data.js';
import { formatEpoch, timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import type { TrainedModel } from '../trained-model.js';
import { compareVariants, formatComparison } from '../evaluation/variant-comparison.js';
import type { VariantRun } from '../evaluation/variant-comparison.js';

/** Options of one acoustic training run. */
export interface TrainAcousticOptions {
  readonly quick: boolean;
  /** Default `gaussian`. */
  readonly architecture?: AcousticArchitecture;
  readonly now: Date;
  readonly log: ProgressSink;
  /**
   * Folder of the real recordings (`acoustic-mimii/` inside): their normal clips join the
   * fleet calibration and the model is evaluated on them. Absent: synthetic data only.
   */
  readonly sharedDataDir?: string;
  /** Target of the per-device thresholds (default 1 false alarm per day at one frame every 10 s). */
  readonly threshold?: { readonly framesPerDay: number; readonly falseAlarmsPerDay: number };
  /**
   * Healthy clips labelled in the plant (retraining): they join the generated training clips
   * in every fit and the fleet calibration, so the fleet learns what real healthy machines
   * sound like. Absent: the generated corpus only.
   */
  readonly labelled?: LabelledAcoustic;
}

/** Labelled healthy clips at the plan's rate and length, with their device and a fingerprint of the set. */
export interface LabelledAcoustic {
  readonly clips: readonly { readonly device: string; readonly samples: Float32Array }[];
  readonly fingerprint: string;
}

/**
 * Generates data, fits the fleet Gaussians (or trains the DCASE autoencoder) on healthy clips,
 * exports them with the feature front end, the per-device head and the calibration inside
 * the graph, calibrates the fleet on healthy validation machines plus the normal real
 * recordings (when `sharedDataDir` has them), learns the prior of the per-device thresholds
 * on validation machines, and evaluates the exported bytes (float32 and INT8) on held-out
 * synthetic machines and on the real recordings. `log` receives the progress lines.
 */
export async function trainAcoustic(options: TrainAcousticOptions): Promise<TrainedModel> {
  const { log } = options;
  const plan = acousticPlan(options.quick, options.architecture);
  const started = performance.now();
  const samples = plan.sampleRate * plan.seconds;
  const logMel = { sampleRate: plan.sampleRate, nFft: plan.nFft, nMels: plan.nMels };
  const labelled = options.labelled?.clips ?? [];
  const fingerprint = dataFingerprint({ generator: '@premonitor/ml/data acoustic', seed: plan.seed, train: plan.train, validation: plan.validation, test: plan.test, device: plan.device, ...(options.labelled ? { labelled: options.labelled.fingerprint } : {}) });
  const version = versionFromTime(options.now);

  const extractor = await SpectralExtractor.create(samples, logMel, plan.lowBins);
  const train = await timed(log, `generating ${acousticSplitSize(plan.train)} healthy training clips`, () => collect(plan.train, plan.seed));
  // Labelled clips are grouped by their own device (one machine, one microphone) like a generated machine.
  const groups = [...train.map(deviceOf), ...labelled.map((c) => `labelled:${c.device}`)];
  const spectra = await timed(log, `log-mel and low-band features (onnxruntime)${labelled.length > 0 ? `, ${labelled.length} labelled healthy clips included` : ''}`, () => extractor.extract([...train.map((c) => c.samples), ...labelled.map((c) => c.samples)]));
  await extractor.close();
  const trainFeatures = spectra.map((s) => s.logMel);
  const stats = bandStatistics(trainFeatures, plan.nMels);
  const rows = concatRows(trainFeatures.map((f) => stackFrames(f, plan.nMels, plan.context, stats, plan.rowStride)));
  const inputDim = plan.context * plan.nMels;

  const fitStarted = performance.now();
  const layers = plan.architecture === 'gaussian'
    ? await timed(log, `fitting a Gaussian over ${rows.length / inputDim} rows of ${inputDim} features`, async () => [fitGaussianWhitening(rows, inputDim, { shrinkage: plan.shrinkage })])
    : await trainAutoencoder(rows, inputDim, plan, log);
  const clipModels: ClipModels | undefined = plan.architecture === 'gaussian'
    ? await timed(log, `fitting clip-level Gaussians (${2 * plan.nMels}-d band statistics, ${plan.lowBandPeaks}-peak low-band profile) on ${spectra.length} clips`, async () => ({
        statistics: fitGaussianWhitening(concatRows(spectra.map((s) => clipStatistics(s.logMel, plan.nMels))), 2 * plan.nMels, { shrinkage: plan.shrinkage }),
        lowBand: fitGaussianWhitening(concatRows(spectra.map((s) => lowBandProfile(s.lowBandDb, plan.lowBins, plan.lowBandPeaks))), plan.lowBandPeaks, { shrinkage: plan.shrinkage }),
        lowBins: plan.lowBins,
        peaks: plan.lowBandPeaks,
      }))
    : undefined;
  const withinWhitening = await timed(log, `fitting the within-machine covariance of the ${2 * plan.nMels}-d clip statistics (${plan.train.instances.length} machines per type)`, async () =>
    fitWithinMachineWhitening(groups, spectra.map((sp) => clipStatistics(sp.logMel, plan.nMels)), 2 * plan.nMels, plan.shrinkage));
  const fitS = (performance.now() - fitStarted) / 1000;

  const validation = await timed(log, `generating ${acousticSplitSize(plan.validation)} validation clips`, () => collect(plan.validation, plan.seed));
  const test = await timed(log, `generating ${acousticSplitSize(plan.test)} held-out test clips`, () => collect(plan.test, plan.seed));
  const enrollment = await timed(log, `generating ${plan.device.enrollmentClips} enrollment clips per validation and test machine and SNR`, async () => ({
    validation: await collect(enrollmentSplit(plan.validation, plan), plan.seed),
    test: await collect(enrollmentSplit(plan.test, plan), plan.seed),
  }));
  // The embedding is whitened in the graph, so any prior gives the same embeddings: the
  // provisional spec only lets the probes run before the prior spread is known.
  const target = options.threshold ?? { framesPerDay: plan.device.framesPerDay, falseAlarmsPerDay: plan.device.falseAlarmsPerDay };
  let baselineSpec: BaselineSpec = { method: 'mean', embedding: 2 * plan.nMels, frames: plan.device.enrollmentClips, threshold: { ...target, priorSpread: 1, priorWeight: plan.device.priorWeight } };

  let headScales: number[] | undefined;
  const unit: LogisticCalibration = { method: 'logistic', center: 0, scale: 1, normalQuantile: plan.normalQuantile };
  const spec = (metadata: ModelMetadata, calibration = unit, int8 = false, exposeHeads = false): AcousticGraphSpec =>
    ({ samples, logMel, stats, context: plan.context, layers, clipModels, headScales, exposeHeads, errorHead: plan.architecture === 'gaussian' ? 'whitened' : 'reconstruction', calibration, metadata: { ...metadata, baseline: baselineSpec }, int8, device: { spec: baselineSpec, whitening: withinWhitening } });
  const baseMeta = (): ModelMetadata => ({
    kind: 'acoustic',
    version,
    inputs: [
      { name: 'pcm', type: 'float32', shape: ['batch', samples] },
      { name: 'baseline', type: 'float32', shape: ['batch', ...baselineShape(baselineSpec)] },
      { name: 'enrolled', type: 'float32', shape: ['batch'] },
    ],
    sampleRate: plan.sampleRate,
    frameShape: [samples],
    trainingDataFingerprint: fingerprint,
    baseline: baselineSpec,
  });
  const probe = await OnnxScorer.create(buildAcousticModel(spec(baseMeta(), undefined, false, true)), 'pcm', [samples]);
  const probeOut = await probe.run(validation.map((c) => c.samples), 64, noBaselines(baselineSpec, validation.length));
  await probe.close();
  // Each head is divided by its median on healthy validation machines, so the heads weigh
  // equally in the sum (weights tuned on validation faults gained < 0.01 AUC: not worth it).
  const healthy = validation.map((c, i) => (c.anomaly ? -1 : i)).filter((i) => i >= 0);
  const headErrors = probeOut.extra['head_errors']!;
  const headCount = headErrors.length / validation.length;
  headScales = Array.from({ length: headCount }, (_, h) => quantile(healthy.map((i) => headErrors[i * headCount + h]!), 0.5));
  const validationError = (i: number): number => headScales!.reduce((sum, scale, h) => sum + headErrors[i * headCount + h]! / scale, 0);
  const validationExamples = validation.map((c, i) => toExample(c, validationError(i), 0));
  const syntheticHealthy = validationExamples.filter((e) => !e.anomalous).map((e) => e.error);

  // The device threshold's prior spread: the typical spread of a healthy validation machine's
  // leave-one-out log distances (synthetic machines only, so real-data figures stay unseen).
  const scaled = await OnnxScorer.create(buildAcousticModel(spec(baseMeta())), 'pcm', [samples]);
  const priorSpread = await timed(log, 'measuring how far healthy validation clips land from their own machine', async () =>
    typicalSpread(await embeddingsByDevice(scaled, baselineSpec, enrollmentByDevice(enrollment.validation))));
  baselineSpec = { ...baselineSpec, threshold: { ...baselineSpec.threshold!, priorSpread } };

  // Fleet calibration: healthy synthetic validation clips plus the normal real recordings,
  // one vote per clip — the fleet has never heard most real machines, and a healthy one must
  // not be flagged from its first clip. Figures on real data are then leave-one-machine-out.
  const machines = options.sharedDataDir ? await loadRealMachines(options.sharedDataDir, log) : [];
  const realNormal: number[] = machines.length > 0
    ? await timed(log, `scoring the normal real recordings of ${machines.length} machines against the fleet`, () => mimiiNormalFleetErrors(scaled, baselineSpec, machines))
    : [];
  if (labelled.length > 0) {
    const out = await scaled.run(labelled.map((c) => c.samples), 64, noBaselines(baselineSpec, labelled.length));
    realNormal.push(...(out.extra['fleet_error'] ?? out.error));
  }
  await scaled.close();
  const calibration = fitFleetCalibration(syntheticHealthy, realNormal, plan.normalQuantile);
  const trainS = (performance.now() - started) / 1000;

  const provisional: ModelMetadata = { ...baseMeta(), threshold: 0.5, calibration: { ...calibration, device: 'per-device threshold from the baseline (baseline.threshold)', syntheticHealthyQuantiles: quantileSketch(syntheticHealthy), syntheticHealthyCount: syntheticHealthy.length } };
  const evaluate = (bytes: Uint8Array, clips: readonly AcousticClip[], enrolled: readonly AcousticClip[]): Promise<VariantRun & { fleet: EvaluatedExample[] }> => evaluateVariant(bytes, clips, enrolled, samples, baselineSpec);
  const floatRun = await timed(log, `evaluating the float32 model on ${test.length} held-out clips, against each machine's baseline and against the fleet`, () => evaluate(buildAcousticModel(spec(provisional, calibration)), test, enrollment.test));
  const int8Run = await timed(log, 'evaluating the INT8 model', () => evaluate(buildAcousticModel(spec(provisional, calibration, true)), test, enrollment.test));
  const tuningRun = await timed(log, 'scoring the validation machines against their baselines', () => evaluate(buildAcousticModel(spec(provisional, calibration)), validation, enrollment.validation));
  const real = machines.length > 0
    ? await timed(log, 'evaluating on the real MIMII recordings (per machine, per channel)', async () => {
        const scorer = await OnnxScorer.create(buildAcousticModel(spec(provisional, calibration)), 'pcm', [samples]);
        try {
          const evaluation = await evaluateMimii(scorer, baselineSpec, machines);
          return { evaluation, leaveOneOut: leaveOneMachineOutFleetMedians(evaluation, (others) => fitFleetCalibration(syntheticHealthy, others, plan.normalQuantile)) };
        } finally {
          await scorer.close();
        }
      })
    : undefined;

  const report = buildAcousticReport({
    plan, version, fingerprint, calibration, device: { threshold: baselineSpec.threshold! }, headScales, trainS, fitS, heldOutKinds: ACOUSTIC_HELD_OUT_KINDS, real,
    test: floatRun.examples, fleet: floatRun.fleet, validation: tuningRun.examples, validationFleet: validationExamples,
  });
  const metadata: ModelMetadata = { ...provisional, metrics: report.flatMetrics };
  const bytes = buildAcousticModel(spec(metadata, calibration));
  const int8Bytes = buildAcousticModel(spec({ ...metadata, version: `${version}-int8` }, calibration, true));
  const int8 = compareVariants({ ...floatRun, bytes: bytes.length }, { ...int8Run, bytes: int8Bytes.length });
  return {
    kind: 'acoustic',
    name: 'acoustic',
    version,
    bytes,
    metadata,
    variants: [{ suffix: 'int8', bytes: int8Bytes }],
    report: { ...report.json, int8 },
    text: [...report.text, ...formatComparison(int8)],
    chart: report.chart,
    summary: { ...report.summary, train_s: Math.round(trainS * 10) / 10 },
  };
}

/**
 * Scores `clips` with the exported bytes: each against its machine's baseline, enrolled from
 * `enrolled` by this very model, and all against the fleet.
 */
async function evaluateVariant(bytes: Uint8Array, clips: readonly AcousticClip[], enrolled: readonly AcousticClip[], samples: number, baselineSpec: BaselineSpec): Promise<VariantRun & { fleet: EvaluatedExample[] }> {
  const scorer = await OnnxScorer.create(bytes, 'pcm', [samples]);
  try {
    const devices = await enrollDevices(scorer, baselineSpec, enrollmentByDevice(enrolled));
    const items = clips.map((c) => c.samples);
    const own = await scorer.run(items, 64, deviceBaselines(baselineSpec, devices, clips.length, (i) => deviceOf(clips[i]!)));
    const fleet = await scorer.run(items, 64, noBaselines(baselineSpec, clips.length));
    const first = devices.get(deviceOf(clips[0]!));
    const latencyMs = await scorer.latencyMs(items[0]!, 50, first ? { values: first.baseline, shape: baselineShape(baselineSpec) } : undefined);
    return {
      examples: clips.map((c, i) => toExample(c, own.error[i]!, own.score[i]!)),
      fleet: clips.map((c, i) => toExample(c, fleet.error[i]!, fleet.score[i]!)),
      latencyMs,
    };
  } finally {
    await scorer.close();
  }
}

/** A machine as deployed: one microphone, so one SNR. */
function deviceOf(c: AcousticClip): string {
  return `${c.machineType}/${c.instanceId}@${c.snrDb}`;
}

function enrollmentByDevice(clips: readonly AcousticClip[]): Map<string, Float32Array[]> {
  const out = new Map<string, Float32Array[]>();
  for (const c of clips) {
    const list = out.get(deviceOf(c)) ?? [];
    list.push(c.samples);
    out.set(deviceOf(c), list);
  }
  return out;
}

/** Healthy recordings of the split's machines, far from the split's own clip indices. */
function enrollmentSplit(split: AcousticSplit, plan: AcousticPlan): AcousticSplit {
  return { ...split, normalClips: plan.device.enrollmentClips, anomalyKinds: [], anomalousClipsPerKind: 0, firstClipIndex: plan.device.enrollmentFirstClip };
}

/**
 * Whitening of how one machine's clips vary around that machine's own mean: each training
 * machine (at each SNR, one microphone placement) is centred on itself, then one Gaussian is
 * fitted to all the centred rows. Pooled over many machines, it is far better estimated than
 * the 16 enrollment clips of one machine could give.
 */
function fitWithinMachineWhitening(devices: readonly string[], statistics: readonly Float32Array[], dim: number, shrinkage: number): Float32Array {
  const groups = new Map<string, number[]>();
  devices.forEach((device, i) => {
    const list = groups.get(device) ?? [];
    list.push(i);
    groups.set(device, list);
  });
  const rows = new Float32Array(devices.length * dim);
  let r = 0;
  for (const members of groups.values()) {
    const mean = new Float64Array(dim);
    for (const i of members) for (let j = 0; j < dim; j++) mean[j]! += statistics[i]![j]! / members.length;
    for (const i of members) {
      for (let j = 0; j < dim; j++) rows[r * dim + j] = statistics[i]![j]! - mean[j]!;
      r++;
    }
  }
  return fitGaussianWhitening(rows, dim, { shrinkage }).kernel;
}

/** The real recordings, or none (with a note) when the folder is missing. */
async function loadRealMachines(sharedDataDir: string, log: ProgressSink): Promise<MimiiMachine[]> {
  const folder = mimiiFolder(sharedDataDir);
  try {
    return await loadMimiiMachines(folder);
  } catch (err) {
    log(`NOTE: no real recordings read from ${folder} (${(err as Error).message}); fleet calibration and evaluation use synthetic data only`);
    return [];
  }
}

/** Each device's enrollment embeddings, as the model computes them (against the fleet). */
async function embeddingsByDevice(scorer: OnnxScorer, spec: BaselineSpec, samples: ReadonlyMap<string, readonly Float32Array[]>): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for (const items of samples.values()) {
    const e = (await scorer.run(items, 64, noBaselines(spec, items.length))).extra['embedding']!;
    out.push(items.map((_, i) => e.slice(i * spec.embedding, (i + 1) * spec.embedding)));
  }
  return out;
}

/** Median over devices of the standard deviation of their leave-one-out log distances. */
function typicalSpread(devices: readonly Float32Array[][]): number {
  const spreads = devices.filter((d) => d.length >= 3).map((embeddings) => {
    const d = embeddings[0]!.length;
    const mean = new Float64Array(d);
    for (const e of embeddings) for (let j = 0; j < d; j++) mean[j]! += e[j]! / embeddings.length;
    const logs = leaveOneOutLogDistances(embeddings, mean);
    const m = logs.reduce((a, v) => a + v, 0) / logs.length;
    return Math.sqrt(logs.reduce((a, v) => a + (v - m) ** 2, 0) / (logs.length - 1));
  });
  return quantile(spreads, 0.5);
}

async function trainAutoencoder(rows: Float32Array, inputDim: number, plan: AcousticPlan, log: ProgressSink): Promise<FoldedDense[]> {
  await useTfjsBackend('wasm');
  log(`training dense autoencoder ${inputDim}-${plan.autoencoder.hidden.join('-')}-${plan.autoencoder.bottleneck}-… on ${rows.length / inputDim} rows (tfjs wasm)`);
  const model = await trainDenseAutoencoder(rows, { ...plan.autoencoder, inputDim }, (p) => log(formatEpoch('acoustic', p)));
  const layers = foldDenseStack(describeLayersModel(model).layers, inputDim);
  model.dispose();
  return layers;
}

async function collect(split: AcousticSplit, seed: number): Promise<AcousticClip[]> {
  const clips: AcousticClip[] = [];
  for (const clip of renderAcousticSplit(split, seed)) {
    clips.push(clip);
    // Let timers and signals through during a long synchronous render.
    if (clips.length % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  return clips;
}

function toExample(c: AcousticClip, error: number, score: number): EvaluatedExample {
  const tags: Record<string, string> = { machine_type: c.machineType, snr: String(c.snrDb), instance: String(c.instanceId) };
  if (c.anomaly) tags['kind'] = c.anomaly.kind;
  return { error, score, anomalous: c.anomaly !== undefined, tags };
}

function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
