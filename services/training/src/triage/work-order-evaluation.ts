import { DEFAULT_TEXT_FEATURES, TextFeatureExtractor } from '@premonitor/ml';
import type { ModelTarget, TextFeatureSpec, TextInput } from '@premonitor/ml';
import { classMetrics } from '../evaluation/class-metrics.js';
import type { ClassMetrics } from '../evaluation/class-metrics.js';
import { fitTextModel } from './fit-text-model.js';
import { predictRow, vocabularyRows } from './hashed-text-model.js';
import { DEFAULT_HASHED_TRAINING } from './hashed-text-trainer.js';
import type { HashedTrainingOptions } from './hashed-text-trainer.js';
import { DEFAULT_KEYWORD_BASELINE, KeywordBaseline, majorityClass } from './keyword-baseline.js';
import type { KeywordBaselineOptions } from './keyword-baseline.js';
import { TextModelPredictor } from './text-model-predictor.js';
import { WORK_ORDER_TARGETS, fitBandEdges, workOrderLabels } from './work-order-targets.js';
import type { WorkOrder } from './work-orders.js';

/** Settings of {@link evaluateWorkOrders}. */
export interface WorkOrderEvaluationOptions {
  readonly features?: TextFeatureSpec;
  readonly training?: HashedTrainingOptions;
  readonly keyword?: KeywordBaselineOptions;
}

/** The held-out asset of one fold and the model's figures on it. */
export interface FoldResult {
  readonly asset: string;
  readonly train: number;
  readonly test: number;
  readonly train_s: number;
  readonly vocabulary: number;
  /** Per target: model, keyword and majority macro F1 (and model MAE) on this asset. */
  readonly targets: Readonly<Record<string, { readonly n: number; readonly macro_f1: number; readonly keyword_macro_f1: number; readonly majority_macro_f1: number; readonly mae: number }>>;
}

/** One target over all folds (predictions pooled), next to the baselines of the same folds. */
export interface TargetResult {
  readonly target: ModelTarget;
  readonly model: ClassMetrics;
  readonly keyword: ClassMetrics;
  readonly majority: ClassMetrics;
  /** Ordinal targets: always the middle level — the constant with the least expected error on quintile bands. */
  readonly middle?: ClassMetrics;
  /** Lowest and highest per-fold model macro F1 (folds with at least one labelled order). */
  readonly fold_macro_f1: { readonly min: number; readonly max: number };
}

/** Leave-one-asset-out results of a text model on the excavator work orders. */
export interface WorkOrderEvaluation {
  readonly orders: number;
  readonly folds: readonly FoldResult[];
  readonly targets: readonly TargetResult[];
  /** Exported model (onnxruntime, 1 thread, batches of 256) on the test texts: reports per second. */
  readonly predict_per_s: number;
  /** Test predictions where the ONNX model and the TypeScript model decode different classes. */
  readonly onnx_disagreements: number;
}

/**
 * Trains on all excavators but one and tests on the one left out, for each excavator: the
 * model (through its exported ONNX bytes), the keyword baseline and the majority class, all
 * fitted on the same training part; cost and running-time bands are fitted there too. The
 * asset name is given as the equipment, as a plant would.
 */
export async function evaluateWorkOrders(orders: readonly WorkOrder[], options: WorkOrderEvaluationOptions = {}): Promise<WorkOrderEvaluation> {
  const features = options.features ?? DEFAULT_TEXT_FEATURES;
  const assets = [...new Set(orders.map((o) => o.asset))].sort();
  const targets = WORK_ORDER_TARGETS;
  const pooled = targets.map(() => ({ truth: [] as number[], model: [] as number[], keyword: [] as number[], majority: [] as number[] }));
  const folds: FoldResult[] = [];
  const extractor = await TextFeatureExtractor.create(features);
  let predictSeconds = 0;
  let predicted = 0;
  let disagreements = 0;
  try {
    for (const asset of assets) {
      const train = orders.filter((o) => o.asset !== asset);
      const test = orders.filter((o) => o.asset === asset);
      const edges = fitBandEdges(train);
      const trainLabels = workOrderLabels(train, edges);
      const testLabels = workOrderLabels(test, edges);
      const fitted = await fitTextModel(train.map(inputOf), trainLabels, {
        targets,
        features,
        training: options.training ?? DEFAULT_HASHED_TRAINING,
        metadata: { kind: 'work-orders', version: `held-out-${asset}` },
      });
      const predictor = await TextModelPredictor.create(fitted.modelBytes);
      const testInputs = test.map(inputOf);
      const t0 = performance.now();
      const predictions = await predictor.predict(testInputs);
      predictSeconds += (performance.now() - t0) / 1000;
      predicted += test.length;
      await predictor.close();
      disagreements += await countDisagreements(fitted.model, extractor, testInputs, predictions.map((p) => targets.map((t) => p[t.name]!.score - 1)));

      const foldTargets: Record<string, FoldResult['targets'][string]> = {};
      targets.forEach((target, j) => {
        const keyword = KeywordBaseline.fit(train.map((o) => o.text), trainLabels[j]!, target, options.keyword ?? DEFAULT_KEYWORD_BASELINE);
        const majority = majorityClass(trainLabels[j]!, target.classes.length);
        const fold = { truth: [] as number[], model: [] as number[], keyword: [] as number[], majority: [] as number[] };
        test.forEach((o, i) => {
          const y = testLabels[j]![i]!;
          if (y < 0) return;
          for (const bucket of [fold, pooled[j]!]) {
            bucket.truth.push(y);
            bucket.model.push(predictions[i]![target.name]!.score - 1);
            bucket.keyword.push(keyword.predict(o.text));
            bucket.majority.push(majority);
          }
        });
        const k = target.classes.length;
        const m = classMetrics(fold.truth, fold.model, k);
        foldTargets[target.name] = { n: m.n, macro_f1: m.macro_f1, keyword_macro_f1: classMetrics(fold.truth, fold.keyword, k).macro_f1, majority_macro_f1: classMetrics(fold.truth, fold.majority, k).macro_f1, mae: m.mae };
      });
      folds.push({ asset, train: train.length, test: test.length, train_s: fitted.seconds.features + fitted.seconds.fit + fitted.seconds.export, vocabulary: fitted.model.vocabulary.length, targets: foldTargets });
    }
  } finally {
    await extractor.close();
  }
  const results = targets.map((target, j): TargetResult => {
    const p = pooled[j]!;
    const k = target.classes.length;
    const foldF1 = folds.map((f) => f.targets[target.name]!).filter((t) => t.n > 0).map((t) => t.macro_f1);
    return {
      target,
      model: classMetrics(p.truth, p.model, k),
      keyword: classMetrics(p.truth, p.keyword, k),
      majority: classMetrics(p.truth, p.majority, k),
      ...(target.kind === 'ordinal' ? { middle: classMetrics(p.truth, p.truth.map(() => Math.floor(k / 2)), k) } : {}),
      fold_macro_f1: { min: Math.min(...foldF1), max: Math.max(...foldF1) },
    };
  });
  return { orders: orders.length, folds, targets: results, predict_per_s: predicted / predictSeconds, onnx_disagreements: disagreements };
}

function inputOf(order: WorkOrder): TextInput {
  return { description: order.text, equipment: `excavator ${order.asset}` };
}

async function countDisagreements(model: Parameters<typeof predictRow>[0], extractor: TextFeatureExtractor, inputs: readonly TextInput[], onnx: readonly number[][]): Promise<number> {
  const rows = await extractor.extract(inputs);
  let count = 0;
  inputs.forEach((_, i) => {
    const mapped = vocabularyRows(model.vocabulary, rows.ids.subarray(rows.offsets[i]!, rows.offsets[i + 1]!), rows.weights.subarray(rows.offsets[i]!, rows.offsets[i + 1]!));
    predictRow(model, mapped.rows, mapped.weights).forEach((p, j) => {
      if (p.index !== onnx[i]![j]) count++;
    });
  });
  return count;
}
