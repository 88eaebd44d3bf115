import { applyScaler, buildVibrationModel, fitStandardScaler, vibrationFeatureCount, vibrationFeatures } from '@premonitor/ml';
import type { LinearMap, ModelMetadata } from '@premonitor/ml';
import * as ort from 'onnxruntime-node';
import { fitGaussianWhitening } from '../acoustic/gaussian-model.js';
import { renderConfusionChart } from '../chart/confusion-chart.js';
import { classMetrics } from '../evaluation/class-metrics.js';
import { auc, quantile, rocCurve } from '../evaluation/roc.js';
import { dataFingerprint, versionFromTime } from '../training-data.js';
import { timed } from '../training-progress.js';
import type { ProgressSink } from '../training-progress.js';
import type { TrainedModel } from '../trained-model.js';
import { fitSoftmaxRegression } from './softmax-regression.js';
import { FAN_CHANNELS, FAN_SAMPLES, VIBRATION_CLASSES, loadVibrationFan, splitByRecordingOrder } from './vibration-data.js';
import type { VibrationWindow } from './vibration-data.js';
import { vibrationPlan } from './vibration-plan.js';

/** Options of `npm run train -- vibration`. */
export interface TrainVibrationOptions {
  readonly dataDir: string;
  readonly quick: boolean;
  readonly now: Date;
  readonly log: ProgressSink;
}

/** Balanced (healthy) conditions the unbalance detector learns, and the weighted class of each speed. */
const HEALTHY = ['off', 'low', 'med', 'high'] as const;
const SPEEDS = [
  { speed: 'low', healthy: 'low', weighted: 'low+weight' },
  { speed: 'med', healthy: 'med', weighted: 'med+weight' },
  { speed: 'high', healthy: 'high', weighted: 'high+weight' },
] as const;

/**
 * Trains the windowed vibration model on the fan recordings: per-channel spectral features
 * (in the graph), a softmax classifier over the eight conditions, and an unbalance detector
 * fitted on balanced windows only. Split by recording order; every test figure comes from the
 * exported ONNX bytes run in onnxruntime.
 */
export async function trainVibration(options: TrainVibrationOptions): Promise<TrainedModel> {
  const { log } = options;
  const plan = vibrationPlan(options.quick);
  const t0 = performance.now();
  const all = await timed(log, `loading vibration-fan windows from ${options.dataDir}`, () => loadVibrationFan(options.dataDir));
  const { train, test } = splitByRecordingOrder(all, plan.trainShare);
  const f = vibrationFeatureCount(plan.features);
  const featuresOf = (ws: readonly VibrationWindow[]): Float32Array => {
    const out = new Float32Array(ws.length * f);
    ws.forEach((w, i) => out.set(vibrationFeatures(w.samples, plan.features), i * f));
    return out;
  };
  const trainFeatures = await timed(log, `features of ${train.length} training windows`, async () => featuresOf(train));
  const scaler = fitStandardScaler(trainFeatures, f);
  const z = applyScaler(scaler, trainFeatures);
  const classifier = await timed(log, 'softmax regression', async () => fitSoftmaxRegression(z, train.map((w) => w.label), VIBRATION_CLASSES.length, plan.classifier));
  const healthyIndex = HEALTHY.map((h) => VIBRATION_CLASSES.indexOf(h));
  const whitenings: LinearMap[] = healthyIndex.map((label) => {
    const rows = train.map((w, i) => (w.label === label ? z.subarray(i * f, (i + 1) * f) : undefined)).filter((r) => r !== undefined);
    const packed = new Float32Array(rows.length * f);
    rows.forEach((r, i) => packed.set(r, i * f));
    const fitted = fitGaussianWhitening(packed, f, { shrinkage: plan.shrinkage });
    return { kernel: fitted.kernel, bias: fitted.bias };
  });
  const healthyTrainDistances = nearestDistances(z, whitenings, f).filter((_, i) => healthyIndex.includes(train[i]!.label));
  const threshold = quantile(healthyTrainDistances, plan.quantile) * plan.margin;
  const version = versionFromTime(options.now);
  const metadata: ModelMetadata & { classes: string[]; window: NonNullable<ModelMetadata['window']> } = {
    kind: 'vibration',
    version,
    inputs: [{ name: 'window', type: 'float32', shape: ['batch', FAN_SAMPLES, FAN_CHANNELS] }],
    frameShape: [FAN_SAMPLES, FAN_CHANNELS],
    sampleRate: plan.sampleRateHz,
    threshold,
    classes: [...VIBRATION_CLASSES],
    trainingDataFingerprint: dataFingerprint({ source: 'vibration-fan', train: train.map((w) => `${w.label}:${w.order}`), plan }),
    window: { channels: ['x', 'y', 'z'], steps: FAN_SAMPLES, stepSeconds: 1 / plan.sampleRateHz, family: 'spectral-softmax+healthy-gaussians' },
  };
  const provisional = buildVibrationModel({ features: plan.features, scaler, classifier, unbalance: { whitenings, threshold }, metadata });
  const out = await timed(log, `scoring ${test.length} held-out windows through onnxruntime`, () => runVibrationModel(provisional, test));
  const predicted = Array.from({ length: test.length }, (_, i) => argmax(out.probs.subarray(i * VIBRATION_CLASSES.length, (i + 1) * VIBRATION_CLASSES.length)));
  const m = classMetrics(test.map((w) => w.label), predicted, VIBRATION_CLASSES.length);
  const perClass = VIBRATION_CLASSES.map((name, c) => {
    const tp = m.confusion[c]![c]!;
    const actual = m.confusion[c]!.reduce((a, b) => a + b, 0);
    const flagged = m.confusion.reduce((a, row) => a + row[c]!, 0);
    return { class: name, precision: flagged ? tp / flagged : Number.NaN, recall: actual ? tp / actual : Number.NaN, f1: m.f1[c]!, support: actual };
  });
  const unbalance = SPEEDS.map(({ speed, healthy, weighted }) => {
    const h = VIBRATION_CLASSES.indexOf(healthy);
    const wgt = VIBRATION_CLASSES.indexOf(weighted);
    const examples = test.flatMap((w, i) => (w.label === h || w.label === wgt ? [{ score: out.unbalance[i]!, anomalous: w.label === wgt }] : []));
    const flaggedHealthy = examples.filter((e) => !e.anomalous && e.score >= threshold).length;
    const flaggedWeighted = examples.filter((e) => e.anomalous && e.score >= threshold).length;
    return { speed, auc: auc(examples), examples, fpr_at_threshold: flaggedHealthy / examples.filter((e) => !e.anomalous).length, recall_at_threshold: flaggedWeighted / examples.filter((e) => e.anomalous).length };
  });
  const aucMin = Math.min(...unbalance.map((u) => u.auc));
  const trainS = (performance.now() - t0) / 1000;
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const text = [
    `vibration-fan: ${all.length} windows, split by recording order (first ${pct(plan.trainShare)} of each class train: ${train.length}, test: ${test.length})`,
    `held-out accuracy ${m.accuracy.toFixed(4)}, macro F1 ${m.macro_f1.toFixed(4)} (ONNX, onnxruntime)`,
    '  class         precision  recall   F1      support',
    ...perClass.map((p) => `  ${p.class.padEnd(12)}  ${p.precision.toFixed(3).padStart(9)}  ${p.recall.toFixed(3).padStart(6)}  ${p.f1.toFixed(3).padStart(6)}  ${String(p.support).padStart(7)}`),
    'confusion (rows true, columns predicted):',
    ...m.confusion.map((row, i) => `  ${VIBRATION_CLASSES[i]!.padEnd(12)} ${row.map((v) => String(v).padStart(4)).join(' ')}`),
    'unbalance detector (trained on balanced windows only), weight vs no weight on held-out windows:',
    ...unbalance.map((u) => `  ${u.speed.padEnd(5)} AUC ${u.auc.toFixed(4)}  at the shipped threshold: recall ${pct(u.recall_at_threshold)}, false alarms ${pct(u.fpr_at_threshold)}`),
    `vibration.onnx ${(provisional.length / 1024).toFixed(0)} kB`,
  ];
  return {
    kind: 'vibration',
    name: 'vibration',
    version,
    bytes: provisional,
    metadata: { ...metadata, metrics: { accuracy: m.accuracy, macro_f1: m.macro_f1, unbalance_auc_min: aucMin } },
    variants: [],
    report: {
      kind: 'vibration',
      version,
      plan,
      split: { by: 'recording order (file number) within each class', train: train.length, test: test.length },
      accuracy: m.accuracy,
      macro_f1: m.macro_f1,
      per_class: perClass,
      confusion: { classes: VIBRATION_CLASSES, matrix: m.confusion },
      unbalance: unbalance.map(({ examples, ...u }) => ({ ...u, healthy: examples.filter((e) => !e.anomalous).length, weighted: examples.filter((e) => e.anomalous).length })),
    },
    text,
    chart: {
      title: `vibration - unbalance ROC per speed (AUC min ${aucMin.toFixed(3)}), macro F1 ${m.macro_f1.toFixed(3)}`,
      curves: unbalance.map((u) => ({ label: `${u.speed} ${u.auc.toFixed(3)}`, points: rocCurve(u.examples) })),
      histogram: {
        xLabel: 'log10 unbalance distance',
        normal: unbalance.flatMap((u) => u.examples.filter((e) => !e.anomalous).map((e) => Math.log10(e.score))),
        anomalous: unbalance.flatMap((u) => u.examples.filter((e) => e.anomalous).map((e) => Math.log10(e.score))),
        threshold: Math.log10(threshold),
      },
    },
    pictures: [{ suffix: 'confusion', png: renderConfusionChart({ title: `held-out, macro F1 ${m.macro_f1.toFixed(3)}`, classes: VIBRATION_CLASSES, matrix: m.confusion }) }],
    summary: { kind: 'vibration', version, accuracy: round(m.accuracy), vibration_macro_f1: round(m.macro_f1), unbalance_auc: unbalance.map((u) => round(u.auc)), unbalance_auc_min: round(aucMin), train_s: round(trainS, 1) },
  };
}

/** Runs the exported model on windows: probabilities and unbalance distances. */
export async function runVibrationModel(bytes: Uint8Array, windows: readonly VibrationWindow[]): Promise<{ probs: Float32Array; unbalance: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const k = VIBRATION_CLASSES.length;
    const probs = new Float32Array(windows.length * k);
    const unbalance = new Float32Array(windows.length);
    for (let start = 0; start < windows.length; start += 256) {
      const batch = windows.slice(start, start + 256);
      const data = new Float32Array(batch.length * FAN_SAMPLES * FAN_CHANNELS);
      batch.forEach((w, i) => data.set(w.samples, i * FAN_SAMPLES * FAN_CHANNELS));
      const result = await session.run({ window: new ort.Tensor('float32', data, [batch.length, FAN_SAMPLES, FAN_CHANNELS]) });
      probs.set(result['probs']!.data as Float32Array, start * k);
      unbalance.set(result['unbalance']!.data as Float32Array, start);
    }
    return { probs, unbalance };
  } finally {
    await session.release();
  }
}

/** Distance of each standardised row to the nearest healthy condition (the graph's `unbalance`). */
function nearestDistances(z: Float32Array, whitenings: readonly LinearMap[], f: number): number[] {
  const n = z.length / f;
  return Array.from({ length: n }, (_, r) => {
    let best = Infinity;
    for (const w of whitenings) {
      let s = 0;
      for (let j = 0; j < f; j++) {
        let v = w.bias[j]!;
        for (let i = 0; i < f; i++) v += z[r * f + i]! * w.kernel[i * f + j]!;
        s += v * v;
      }
      best = Math.min(best, s / f);
    }
    return best;
  });
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));
