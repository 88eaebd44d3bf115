import { buildTelemetryModel, describeLayersModel, slidingWindows } from '@premonitor/ml';
import type { ModelMetadata, TelemetryFamily } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { OnnxScorer } from '../onnx/onnx-scorer.js';
import { rocCurve } from '../evaluation/roc.js';
import { dataFingerprint, versionFromTime } from '../training-data.js';
import { timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import type { TrainedModel } from '../trained-model.js';
import { disposeFitted, fitFamilies } from './window-detectors.js';
import type { FittedModels } from './window-detectors.js';
import { selectColumns } from './channel-selection.js';
import type { DetectorChoice } from './family-selection.js';
import { evaluateSkab, skabTable } from './skab-evaluation.js';
import { evaluateNab, nabTable } from './nab-evaluation.js';
import { loadSkab, SKAB_CHANNELS } from './skab-data.js';
import { loadNab } from './nab-data.js';
import { telemetryPlan } from './telemetry-plan.js';
import type { TelemetryPlan } from './telemetry-plan.js';

/** Options of `npm run train -- telemetry`. */
export interface TrainTelemetryOptions {
  readonly skabDir: string;
  readonly nabDir: string;
  readonly quick: boolean;
  readonly now: Date;
  readonly log: ProgressSink;
}

/**
 * Evaluates the telemetry families on SKAB (leave-one-file-out choice) and NAB, then fits the
 * chosen family on SKAB's anomaly-free recording and exports it: `telemetry.onnx` is the model
 * of that rig, its first 80 % the healthy history, the last 20 % held out to measure its false
 * alarms through onnxruntime. A service fits the same recipe per device on its own history.
 */
export async function trainTelemetry(options: TrainTelemetryOptions): Promise<TrainedModel> {
  const { log } = options;
  const plan = telemetryPlan(options.quick);
  const t0 = performance.now();
  await useTfjsBackend('wasm');
  const { experiments, anomalyFree } = await timed(log, `loading SKAB from ${options.skabDir}`, () => loadSkab(options.skabDir));
  const skab = await timed(log, `SKAB: fitting the families on each of ${experiments.length} experiments`, () => evaluateSkab(experiments, plan, log));
  const choice = skab.selected.choice;
  const nab = await timed(log, 'NAB: univariate cases', async () => evaluateNab(await loadNab(options.nabDir), plan, choice));

  const c = SKAB_CHANNELS.length;
  const rows = anomalyFree.rows.length / c;
  const trainRows = Math.floor(rows * 0.8);
  const set = skab.sets.find((s) => choice.family.startsWith(`${s.set}/`))!;
  const deviceModels = await timed(log, `fitting ${choice.family} on ${trainRows} anomaly-free rows`, () =>
    fitFamilies(anomalyFree.rows, c, trainRows, plan.detector, plan.seed, { withConvAe: !choice.family.includes('/pca-t2q/'), sets: [set] }),
  );
  const scale = deviceModels.families.find((f) => f.family === choice.family)!.scale;
  const threshold = scale * choice.margin;
  const fittedSet = deviceModels.sets[0]!;
  const channels = fittedSet.channels.map((k) => SKAB_CHANNELS[k]!);
  const version = versionFromTime(options.now);
  const metadata: TelemetryGraphMetadata = {
    kind: 'telemetry',
    version,
    inputs: [{ name: 'window', type: 'float32', shape: ['batch', plan.detector.steps, channels.length] }],
    threshold,
    trainingDataFingerprint: dataFingerprint({ source: 'skab/anomaly-free', rows: trainRows, plan }),
    metrics: { skab_f1: skab.lofo.overall.f1, skab_far: skab.lofo.overall.far, skab_mar: skab.lofo.overall.mar },
    window: { channels, steps: plan.detector.steps, stepSeconds: 1, run: choice.run, family: choice.family },
  };
  const bytes = buildTelemetryModel({ scaler: fittedSet.scaler, family: graphFamily(deviceModels, choice, plan), threshold, metadata });
  // The closed-form family alone, at its own best choice on the same channels, as a variant for
  // devices that cannot afford the autoencoder (`telemetry.pca.onnx`).
  const pcaBest = skab.perFamily.filter((p) => p.choice.family.startsWith(`${set.set}/pca-t2q/`)).sort((a, b) => b.scores.f1 - a.scores.f1)[0];
  const pcaVariant =
    pcaBest && pcaBest.choice.family !== choice.family
      ? (() => {
          const pcaThreshold = deviceModels.families.find((f) => f.family === pcaBest.choice.family)!.scale * pcaBest.choice.margin;
          const pcaMeta: TelemetryGraphMetadata = { ...metadata, threshold: pcaThreshold, metrics: { skab_f1_in_sample: pcaBest.scores.f1, skab_far_in_sample: pcaBest.scores.far }, window: { ...metadata.window, run: pcaBest.choice.run, family: pcaBest.choice.family } };
          return { choice: pcaBest.choice, scores: pcaBest.scores, bytes: buildTelemetryModel({ scaler: fittedSet.scaler, family: graphFamily(deviceModels, pcaBest.choice, plan), threshold: pcaThreshold, metadata: pcaMeta }) };
        })()
      : undefined;
  disposeFitted(deviceModels);
  for (const f of skab.fitted) disposeFitted(f);

  const heldOut = await timed(log, 'scoring the held-out anomaly-free rows through onnxruntime', async () => {
    const cc = channels.length;
    const picked = selectColumns(anomalyFree.rows.subarray((trainRows - plan.detector.steps + 1) * c), c, fittedSet.channels);
    const windows = slidingWindows(picked, cc, plan.detector.steps);
    const scorer = await OnnxScorer.create(bytes, 'window', [plan.detector.steps, cc]);
    const n = windows.length / (plan.detector.steps * cc);
    const items = Array.from({ length: n }, (_, i) => windows.subarray(i * plan.detector.steps * cc, (i + 1) * plan.detector.steps * cc));
    const out = await scorer.run(items, 256);
    await scorer.close();
    let streak = 0;
    let flagged = 0;
    for (const s of out.score) {
      streak = s >= 1 ? streak + 1 : 0;
      if (streak >= choice.run) flagged++;
    }
    return { windows: n, flagged, far: flagged / n };
  });

  const trainS = (performance.now() - t0) / 1000;
  const valve = skab.lofo.overall;
  const text = [
    ...skabTable(skab),
    ...nabTable(nab),
    ...(pcaVariant ? [`telemetry.pca.onnx: ${pcaVariant.choice.family} ×${pcaVariant.choice.margin} run ${pcaVariant.choice.run} (in-sample F1 ${pcaVariant.scores.f1.toFixed(3)}, FAR ${(100 * pcaVariant.scores.far).toFixed(1)} %), ${(pcaVariant.bytes.length / 1024).toFixed(0)} kB`] : []),
    `telemetry.onnx: ${choice.family} ×${choice.margin} run ${choice.run}, fitted on anomaly-free rows 0-${trainRows - 1}; held-out healthy rows ${trainRows}-${rows - 1}: ${heldOut.flagged} of ${heldOut.windows} points flagged (FAR ${(100 * heldOut.far).toFixed(2)} %), ${(bytes.length / 1024).toFixed(0)} kB`,
  ];
  const pooled = (family: string): { score: number; anomalous: boolean }[] =>
    skab.cases.flatMap((cs) => {
      const f = cs.families.find((x) => x.family === family)!;
      const out: { score: number; anomalous: boolean }[] = [];
      for (let i = cs.testFrom; i < cs.labels.length; i++) out.push({ score: f.normalised[i]!, anomalous: cs.labels[i] === 1 });
      return out;
    });
  const selectedPoints = pooled(choice.family);
  return {
    kind: 'telemetry',
    name: 'telemetry',
    version,
    bytes,
    metadata,
    variants: pcaVariant ? [{ suffix: 'pca', bytes: pcaVariant.bytes }] : [],
    report: {
      kind: 'telemetry',
      version,
      plan,
      skab: {
        protocol: `valve1, ${experiments.length} experiments: fit on the first ${plan.skabTrainRows} rows of each, score the rest; family, margin and run chosen leave-one-file-out`,
        leave_one_file_out: skab.lofo,
        spread: skab.spread,
        per_family_in_sample: skab.perFamily,
        selected: skab.selected,
      },
      nab,
      shipped_model: { choice, fitted_on: `skab/anomaly-free rows 0-${trainRows - 1}`, threshold, held_out: heldOut, bytes: bytes.length },
      pca_variant: pcaVariant ? { choice: pcaVariant.choice, in_sample: pcaVariant.scores, bytes: pcaVariant.bytes.length } : null,
    },
    text,
    chart: {
      title: `telemetry - SKAB valve1 points, LOFO F1 ${valve.f1.toFixed(3)}`,
      curves: skab.perFamily.map((p) => ({ label: p.choice.family, points: rocCurve(pooled(p.choice.family)) })),
      histogram: {
        xLabel: `${choice.family} error / training q${plan.detector.quantile}`,
        normal: selectedPoints.filter((p) => !p.anomalous).map((p) => p.score),
        anomalous: selectedPoints.filter((p) => p.anomalous).map((p) => p.score),
        threshold: choice.margin,
      },
    },
    summary: {
      kind: 'telemetry',
      version,
      skab_f1: round(valve.f1),
      skab_far: round(valve.far),
      skab_mar: round(valve.mar),
      skab_file_f1_min: round(skab.spread.f1.min),
      skab_file_f1_max: round(skab.spread.f1.max),
      family: choice.family,
      margin: choice.margin,
      run: choice.run,
      nab_windows_flagged: nab.reduce((a, r) => a + r.windowsFlagged, 0),
      nab_windows: nab.reduce((a, r) => a + r.windows, 0),
      nab_false_per_week: nab.map((r) => round(r.falsePerWeek)),
      held_out_far: round(heldOut.far),
      train_s: round(trainS, 1),
    },
  };
}

type TelemetryGraphMetadata = ModelMetadata & { readonly window: NonNullable<ModelMetadata['window']> };

function graphFamily(models: FittedModels, choice: DetectorChoice, plan: TelemetryPlan): TelemetryFamily {
  const set = models.sets[0]!;
  const scaleOf = (family: string): number => models.families.find((f) => f.family === family)!.scale;
  const layers = (): TelemetryFamily & { kind: 'conv-ae' } => {
    if (!set.convAe) throw new Error('the conv autoencoder was not fitted');
    return { kind: 'conv-ae', layers: describeLayersModel(set.convAe).layers };
  };
  if (choice.family.endsWith('/conv-ae')) return layers();
  if (choice.family.endsWith('/ensemble')) {
    const smooth = Math.max(...plan.detector.pcaSmooth);
    return { kind: 'ensemble', pca: { model: set.pca, smooth, scale: scaleOf(`${set.set}/pca-t2q/${smooth}`) }, convAe: { layers: layers().layers, scale: scaleOf(`${set.set}/conv-ae`) } };
  }
  return { kind: 'pca-t2q', model: set.pca, smooth: Number(choice.family.split('/')[2]) };
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));
