import * as ort from 'onnxruntime-node';
import { readModelMetadata, textInputFeeds } from '@premonitor/ml';
import type { ModelMetadata, ModelTarget, TextInput } from '@premonitor/ml';
import { probabilitiesOutput } from './hashed-text-graph.js';

/** One target's answer for one report. */
export interface TargetScore {
  /** 1-based class number: the triage score itself for a 1–5 target. */
  readonly score: number;
  /** The class label (`'3'`, `'Leak'`). */
  readonly label: string;
  /** Probability the model gives that class. */
  readonly confidence: number;
  readonly probabilities: readonly number[];
}

/** A text model's answer for one report, by target name. */
export type TextPrediction = Readonly<Record<string, TargetScore>>;

/** The bytes are not a text model this code can run. */
export class TextModelError extends Error {
  override readonly name = 'TextModelError';
}

/**
 * Runs an exported text model (`description, equipment → scores, confidence, probabilities_*`)
 * in onnxruntime-node; the targets come from the file's metadata.
 */
export class TextModelPredictor {
  readonly metadata: ModelMetadata;
  readonly targets: readonly ModelTarget[];
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession, metadata: ModelMetadata, targets: readonly ModelTarget[]) {
    this.#session = session;
    this.metadata = metadata;
    this.targets = targets;
  }

  /** Opens `modelBytes`; `intraOpNumThreads` 1 by default (fair on a shared host, the edge's budget). */
  static async create(modelBytes: Uint8Array, intraOpNumThreads = 1): Promise<TextModelPredictor> {
    let metadata: ModelMetadata;
    try {
      metadata = readModelMetadata(modelBytes);
    } catch (cause) {
      throw new TextModelError('the bytes are not an exported model with metadata', { cause });
    }
    if (!metadata.targets || !metadata.textFeatures) throw new TextModelError(`model '${metadata.kind}' ${metadata.version} has no targets or text features in its metadata: not a text model`);
    try {
      const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads, interOpNumThreads: 1 });
      return new TextModelPredictor(session, metadata, metadata.targets);
    } catch (cause) {
      throw new TextModelError(`onnxruntime cannot open text model ${metadata.version}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Scores `inputs` in order, `batchSize` per run; an empty list gives an empty answer. */
  async predict(inputs: readonly TextInput[], batchSize = 256): Promise<TextPrediction[]> {
    const out: TextPrediction[] = [];
    for (let start = 0; start < inputs.length; start += batchSize) {
      const batch = inputs.slice(start, start + batchSize);
      const result = await this.#session.run(textInputFeeds(batch));
      const scores = result['scores']!.data as BigInt64Array;
      const confidence = result['confidence']!.data as Float32Array;
      const t = this.targets.length;
      for (let i = 0; i < batch.length; i++) {
        out.push(Object.fromEntries(this.targets.map((target, j) => {
          const k = target.classes.length;
          const probabilities = Array.from((result[probabilitiesOutput(target.name)]!.data as Float32Array).subarray(i * k, (i + 1) * k));
          const score = Number(scores[i * t + j]!);
          return [target.name, { score, label: target.classes[score - 1]!, confidence: confidence[i * t + j]!, probabilities }];
        })));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
