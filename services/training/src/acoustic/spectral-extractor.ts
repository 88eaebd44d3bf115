import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, logMelFrameCount } from '@premonitor/ml';
import type { LogMelOptions } from '@premonitor/ml';
import { addSpectralFrontEnd } from './spectral-front-end.js';

/** One clip's front-end output, row-major. */
export interface ClipSpectra {
  /** `[frames × mels]` dB. */
  readonly logMel: Float32Array;
  /** `[frames × lowBins]` dB. */
  readonly lowBandDb: Float32Array;
}

/**
 * Computes the front end the exported model contains (`addSpectralFrontEnd`), batch-wise
 * in onnxruntime-node: training features are then exactly what the deployed graph
 * computes, and far faster than TypeScript FFTs would be.
 */
export class SpectralExtractor {
  readonly frames: number;
  readonly mels: number;
  readonly lowBins: number;
  readonly #session: ort.InferenceSession;
  readonly #samples: number;

  private constructor(session: ort.InferenceSession, samples: number, frames: number, mels: number, lowBins: number) {
    this.#session = session;
    this.#samples = samples;
    this.frames = frames;
    this.mels = mels;
    this.lowBins = lowBins;
  }

  /** Opens a session for float PCM clips of `samples` samples. */
  static async create(samples: number, options: LogMelOptions, lowBins: number): Promise<SpectralExtractor> {
    const g = new OnnxGraphBuilder('spectral_front_end');
    const pcm = g.addInput('pcm', ['batch', samples]);
    const out = addSpectralFrontEnd(g, pcm, options, lowBins);
    const mels = options.nMels ?? 64;
    g.addOutput(out.logMel, ['batch', 'frames', mels]);
    g.addOutput(out.lowBandDb, ['batch', 'frames', lowBins]);
    const session = await ort.InferenceSession.create(g.toModelBytes(), { intraOpNumThreads: 1 });
    return new SpectralExtractor(session, samples, logMelFrameCount(samples, options), mels, lowBins);
  }

  /** Spectra of each clip, in input order. */
  async extract(clips: readonly Float32Array[], batchSize = 64): Promise<ClipSpectra[]> {
    const out: ClipSpectra[] = [];
    const [logMelName, lowName] = this.#session.outputNames as [string, string];
    const perMel = this.frames * this.mels;
    const perLow = this.frames * this.lowBins;
    for (let start = 0; start < clips.length; start += batchSize) {
      const batch = clips.slice(start, start + batchSize);
      const pcm = new Float32Array(batch.length * this.#samples);
      batch.forEach((c, i) => pcm.set(c.subarray(0, this.#samples), i * this.#samples));
      const result = await this.#session.run({ pcm: new ort.Tensor('float32', pcm, [batch.length, this.#samples]) });
      const mel = result[logMelName]!.data as Float32Array;
      const low = result[lowName]!.data as Float32Array;
      for (let i = 0; i < batch.length; i++) out.push({ logMel: mel.slice(i * perMel, (i + 1) * perMel), lowBandDb: low.slice(i * perLow, (i + 1) * perLow) });
      // Let timers and signals through between batches.
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /** Frees the native session. */
  async close(): Promise<void> {
    await this.#session.release();
  }
}
