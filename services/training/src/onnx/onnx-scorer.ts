import * as ort from 'onnxruntime-node';

/** Raw outputs of an anomaly model for a list of inputs, in input order. */
export interface ModelOutputs {
  readonly score: Float32Array;
  readonly error: Float32Array;
  /** Any further outputs (e.g. a probe model's `head_errors`), concatenated over batches. */
  readonly extra: Readonly<Record<string, Float32Array>>;
}

/** Per-item device baselines for a model that takes them (`baseline`, `enrolled` inputs). */
export interface BaselineFeeds {
  /** Values in one item's baseline (`rows × D`). */
  readonly length: number;
  /** `[rows, D]` of one item's baseline. */
  readonly shape: readonly [number, number];
  /** One entry per item: its device's baseline, or undefined to score it against the fleet. */
  readonly perItem: readonly (Float32Array | undefined)[];
}

/**
 * Runs an exported anomaly model (`input → score, error`) in onnxruntime-node, so the
 * evaluation measures the exact bytes that ship rather than the training framework's copy.
 */
export class OnnxScorer {
  readonly #session: ort.InferenceSession;
  readonly #inputName: string;
  readonly #itemShape: readonly number[];

  private constructor(session: ort.InferenceSession, inputName: string, itemShape: readonly number[]) {
    this.#session = session;
    this.#inputName = inputName;
    this.#itemShape = itemShape;
  }

  /** Opens `modelBytes` with one intra-op thread (the edge's budget, and fair on a shared host). */
  static async create(modelBytes: Uint8Array, inputName: string, itemShape: readonly number[]): Promise<OnnxScorer> {
    const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new OnnxScorer(session, inputName, itemShape);
  }

  /** Scores `items` (each `itemShape` row-major) in batches of `batchSize`. */
  async run(items: readonly Float32Array[], batchSize = 64, baselines?: BaselineFeeds): Promise<ModelOutputs> {
    const per = this.#itemShape.reduce((a, b) => a * b, 1);
    const score = new Float32Array(items.length);
    const error = new Float32Array(items.length);
    const extra: Record<string, number[]> = {};
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = items.slice(start, start + batchSize);
      const data = new Float32Array(batch.length * per);
      batch.forEach((item, i) => data.set(item, i * per));
      const feeds: Record<string, ort.Tensor> = { [this.#inputName]: new ort.Tensor('float32', data, [batch.length, ...this.#itemShape]) };
      if (baselines) {
        const values = new Float32Array(batch.length * baselines.length);
        const enrolled = new Float32Array(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const b = baselines.perItem[start + i];
          if (b) {
            values.set(b, i * baselines.length);
            enrolled[i] = 1;
          }
        }
        feeds['baseline'] = new ort.Tensor('float32', values, [batch.length, ...baselines.shape]);
        feeds['enrolled'] = new ort.Tensor('float32', enrolled, [batch.length]);
      }
      const out = await this.#session.run(feeds);
      score.set(out['score']!.data as Float32Array, start);
      error.set(out['error']!.data as Float32Array, start);
      for (const [name, tensor] of Object.entries(out)) {
        if (name !== 'score' && name !== 'error') (extra[name] ??= []).push(...(tensor.data as Float32Array));
      }
    }
    return { score, error, extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, Float32Array.from(v)])) };
  }

  /** Median milliseconds to score one item alone (batch 1), after a warm-up. */
  async latencyMs(item: Float32Array, repeats = 50, baseline?: { readonly values: Float32Array; readonly shape: readonly [number, number] }): Promise<number> {
    const feeds: Record<string, ort.Tensor> = { [this.#inputName]: new ort.Tensor('float32', item, [1, ...this.#itemShape]) };
    if (baseline) {
      feeds['baseline'] = new ort.Tensor('float32', baseline.values, [1, ...baseline.shape]);
      feeds['enrolled'] = new ort.Tensor('float32', Float32Array.of(1), [1]);
    }
    for (let i = 0; i < 5; i++) await this.#session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await this.#session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
