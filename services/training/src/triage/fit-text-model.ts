import { TextFeatureExtractor, encodeModelMetadata, textFeatureSpecProblem } from '@premonitor/ml';
import type { ModelMetadata, ModelTarget, TextFeatureSpec, TextInput } from '@premonitor/ml';
import { exportHashedTextModel, TEXT_MODEL_INPUTS } from './hashed-text-graph.js';
import type { HashedTextModel } from './hashed-text-model.js';
import { DEFAULT_HASHED_TRAINING, trainHashedTextModel } from './hashed-text-trainer.js';
import type { HashedTrainingOptions } from './hashed-text-trainer.js';
import { targetsProblem } from './triage-targets.js';

/** What {@link fitTextModel} needs besides the data. */
export interface FitTextModelOptions {
  readonly targets: readonly ModelTarget[];
  readonly features: TextFeatureSpec;
  readonly training?: HashedTrainingOptions;
  /** Written into the file: kind, version, metrics, fingerprint (inputs, targets and features are filled in). */
  readonly metadata: Omit<ModelMetadata, 'inputs' | 'targets' | 'textFeatures'>;
  readonly docString?: string;
}

/** A fitted and exported text model. */
export interface FittedTextModel {
  readonly model: HashedTextModel;
  readonly modelBytes: Uint8Array;
  readonly epochLoss: readonly number[];
  /** Seconds spent hashing the texts (in onnxruntime), fitting, and exporting. */
  readonly seconds: { readonly features: number; readonly fit: number; readonly export: number };
}

/** Targets or features that cannot be trained. */
export class TextModelSpecError extends Error {
  override readonly name = 'TextModelSpecError';
}

/**
 * Hashes `inputs` with the feature graph itself (onnxruntime), fits the model on `labels`
 * (per target, class index per input, −1 unknown) and exports it as one ONNX file whose
 * metadata carries the targets and the feature spec.
 */
export async function fitTextModel(inputs: readonly TextInput[], labels: readonly Int32Array[], options: FitTextModelOptions): Promise<FittedTextModel> {
  const problem = targetsProblem(options.targets) ?? textFeatureSpecProblem(options.features);
  if (problem) throw new TextModelSpecError(problem);
  const t0 = performance.now();
  const extractor = await TextFeatureExtractor.create(options.features);
  let rows;
  try {
    rows = await extractor.extract(inputs);
  } finally {
    await extractor.close();
  }
  const t1 = performance.now();
  const { model, epochLoss } = trainHashedTextModel({ rows, labels }, options.targets, options.features, options.training ?? DEFAULT_HASHED_TRAINING);
  const t2 = performance.now();
  const metadata: ModelMetadata = { ...options.metadata, inputs: TEXT_MODEL_INPUTS, targets: options.targets, textFeatures: options.features };
  const modelBytes = exportHashedTextModel(model, encodeModelMetadata(metadata), options.docString ?? `${metadata.kind}: text → ${options.targets.map((t) => t.name).join(', ')}`);
  const t3 = performance.now();
  return { model, modelBytes, epochLoss, seconds: { features: (t1 - t0) / 1000, fit: (t2 - t1) / 1000, export: (t3 - t2) / 1000 } };
}
