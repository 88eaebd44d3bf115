import * as ort from 'onnxruntime-node';
import { buildTextFeatureModel } from './text-feature-graph.js';
import type { TextFeatureSpec } from './text-feature-spec.js';
import type { TextInput } from './text-features.js';

/** Features of many texts in compressed-row form: row `i` is `ids/weights[offsets[i] .. offsets[i+1])`. */
export interface SparseRows {
  readonly offsets: Uint32Array;
  readonly ids: Int32Array;
  readonly weights: Float32Array;
}

/**
 * The onnxruntime feeds of a text graph for `batch`: string tensors `description` and
 * `equipment` ('' when unknown), `[batch.length]` each. Every graph built on
 * `addTextFeatures` takes these two inputs.
 */
export function textInputFeeds(batch: readonly TextInput[]): Record<'description' | 'equipment', ort.Tensor> {
  return {
    description: new ort.Tensor('string', batch.map((x) => x.description), [batch.length]),
    equipment: new ort.Tensor('string', batch.map((x) => x.equipment ?? ''), [batch.length]),
  };
}

/** The feature graph could not be opened (e.g. onnxruntime without the C.UTF-8 locale). */
export class TextFeatureError extends Error {
  override readonly name = 'TextFeatureError';
}

/**
 * Runs the text-feature graph ({@link buildTextFeatureModel}) in onnxruntime, so training
 * hashes texts with the very operators the served model runs. Padding entries are dropped.
 */
export class TextFeatureExtractor {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  /** Opens the feature graph for `spec` with one intra-op thread (training shares the host). */
  static async create(spec: TextFeatureSpec): Promise<TextFeatureExtractor> {
    try {
      return new TextFeatureExtractor(await ort.InferenceSession.create(buildTextFeatureModel(spec), { intraOpNumThreads: 1, interOpNumThreads: 1 }));
    } catch (cause) {
      throw new TextFeatureError(`the text-feature graph does not open in onnxruntime: ${(cause as Error).message}`, { cause });
    }
  }

  /** The features of `inputs`, in order, `batchSize` texts per run. */
  async extract(inputs: readonly TextInput[], batchSize = 256): Promise<SparseRows> {
    const offsets = new Uint32Array(inputs.length + 1);
    const ids: number[] = [];
    const weights: number[] = [];
    for (let start = 0; start < inputs.length; start += batchSize) {
      const batch = inputs.slice(start, start + batchSize);
      const out = await this.#session.run(textInputFeeds(batch));
      const batchIds = out['ids']!.data as BigInt64Array;
      const batchWeights = out['weights']!.data as Float32Array;
      const width = out['ids']!.dims[1]!;
      for (let i = 0; i < batch.length; i++) {
        for (let j = i * width; j < (i + 1) * width; j++) {
          if (batchWeights[j]! === 0) continue;
          ids.push(Number(batchIds[j]!));
          weights.push(batchWeights[j]!);
        }
        offsets[start + i + 1] = ids.length;
      }
    }
    return { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
