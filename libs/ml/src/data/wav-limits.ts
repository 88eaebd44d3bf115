import { InputLimitError } from './data-errors.js';
import type { WavHeader } from './wav-header.js';

/** Bounds on the audio a caller is willing to decode, checked on the header alone. */
export interface WavLimits {
  /** Lowest accepted sample rate, Hz. */
  readonly minSampleRate: number;
  /** Highest accepted sample rate, Hz. */
  readonly maxSampleRate: number;
  /** Longest accepted audio, seconds. */
  readonly maxSeconds: number;
  /** Most channels accepted. */
  readonly maxChannels: number;
}

/** Upload-sized defaults: microphone rates (8–96 kHz), up to 10 s, up to 8 channels. */
export const DEFAULT_WAV_LIMITS: WavLimits = Object.freeze({ minSampleRate: 8_000, maxSampleRate: 96_000, maxSeconds: 10, maxChannels: 8 });

/**
 * Throws {@link InputLimitError} when what `header` declares is beyond `limits`. Decoding and
 * resampling cost grows with duration × rate (a 200 kB file declaring 100 Hz is 1,000 s of
 * audio, 16 million samples once brought to 16 kHz), so this runs before either.
 */
export function checkWavLimits(header: WavHeader, limits: WavLimits): void {
  const { sampleRate, channels, durationSeconds } = header;
  if (sampleRate < limits.minSampleRate || sampleRate > limits.maxSampleRate) {
    const allowed = `${limits.minSampleRate}–${limits.maxSampleRate} Hz`;
    throw new InputLimitError('sample_rate', sampleRate, allowed, `sample rate ${sampleRate} Hz is outside the allowed ${allowed}`);
  }
  if (channels > limits.maxChannels) {
    const allowed = `at most ${limits.maxChannels}`;
    throw new InputLimitError('channels', channels, allowed, `${channels} channels; ${allowed} are accepted`);
  }
  if (durationSeconds > limits.maxSeconds) {
    const allowed = `at most ${limits.maxSeconds} s`;
    throw new InputLimitError('duration', round(durationSeconds), allowed, `${round(durationSeconds)} s of audio; ${allowed} is accepted`);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
