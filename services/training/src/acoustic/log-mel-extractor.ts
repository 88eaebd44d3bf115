import * as ort from 'onnxruntime-node';
import { buildLogMelModel, logMelFrameCount } from '@premonitor/ml';
import type { LogMelOptions } from '@premonitor/ml';

/**
 * Computes log-mel features with the same ONNX front end the exported model contains,
 * batch-wise in onnxruntime-node: training features are then bit-for-bit what the
 * deployed graph computes, and far faster than tfjs would.
 */
export class LogMelExtractor {
  readonly frames: number;
  readonly mels: number;
  readonly #session: ort.InferenceSession;
  readonly #samples: number;

  private constructor(session: ort.InferenceSession, samples: number, frames: number, mels: number) {
    this.#session = session;
    this.#samples = samples;
    this.frames = frames;
    this.mels = mels;
  }

  /** Opens a session for float PCM clips of `samples` samples. */
  static async create(samples: number, options: LogMelOptions = {}): Promise<LogMelExtractor> {
    const session = await ort.InferenceSession.create(buildLogMelModel({ ...options, inputType: 'float32' }), { intraOpNumThreads: 1 });
    return new LogMelExtractor(session, samples, logMelFrameCount(samples, options), options.nMels ?? 64);
  }

  /** Features of each clip, `[frames × mels]` row-major, in input order. */
  async extract(clips: readonly Float32Array[], batchSize = 64): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const per = this.frames * this.mels;
    for (let start = 0; start < clips.length; start += batchSize) {
      const batch = clips.slice(start, start + batchSize);
      const pcm = new Float32Array(batch.length * this.#samples);
      batch.forEach((c, i) => pcm.set(c.subarray(0, this.#samples), i * this.#samples));
      const result = await this.#session.run({ pcm: new ort.Tensor('float32', pcm, [batch.length, this.#samples]) });
      const data = Object.values(result)[0]!.data as Float32Array;
      for (let i = 0; i < batch.length; i++) out.push(data.slice(i * per, (i + 1) * per));
    }
    return out;
  }

  /** Frees the native session. */
  async close(): Promise<void> {
    await this.#session.release();
  }
}
