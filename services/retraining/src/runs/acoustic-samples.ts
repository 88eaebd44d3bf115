import { readWav } from '@premonitor/ml/data';
import { audioRows } from '@premonitor/ml/scoring';
import type { RunSample } from './thermal-samples.js';

/** A stored WAV sample as mono audio: the channel chosen at upload (else the first), at its own rate. */
export interface DecodedAcousticSample {
  readonly sample: RunSample;
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** What a model takes: clips of `clipSamples` at `sampleRate`. */
export interface ClipShape {
  readonly sampleRate: number;
  readonly clipSamples: number;
}

export function decodeAcousticSample(sample: RunSample, bytes: Uint8Array): DecodedAcousticSample {
  const wav = readWav(bytes, { channel: sample.channel ?? 0 });
  return { sample, samples: wav.samples, sampleRate: wav.sampleRate };
}

/**
 * The sample as a model's clips, the way inference reads an upload: resampled to the model's
 * rate and cut into clips of its length (a long recording into several). Copies, so each clip
 * owns its buffer.
 */
export function clipsOf(decoded: DecodedAcousticSample, shape: ClipShape): Float32Array[] {
  return audioRows(decoded.samples, decoded.sampleRate, { sampleRate: shape.sampleRate, frameShape: [shape.clipSamples] }).map((row) => row.slice());
}
