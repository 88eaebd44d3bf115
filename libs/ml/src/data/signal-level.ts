/** Root-mean-square of a signal (0 for an empty one). */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

/** Amplitude ratio of a level difference in dB. */
export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}

/** Level difference in dB of two RMS values. */
export function gainToDb(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/**
 * Float samples to 16-bit PCM with the same 32768 scale `fromInt16Pcm` and the log-mel
 * graph divide by, so a round trip is exact to half a step; +1.0 clips to 32767.
 */
export function toInt16Pcm(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
  }
  return out;
}

/** 16-bit PCM to float samples, scaled by 1/32768 like the log-mel graph does. */
export function fromInt16Pcm(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
  return out;
}
