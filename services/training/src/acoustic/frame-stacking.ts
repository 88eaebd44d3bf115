/** Per-mel-band standardisation constants, learnt on healthy training features. */
export interface BandStatistics {
  /** `[mels]` mean in dB. */
  readonly mean: Float32Array;
  /** `[mels]` standard deviation in dB (floored, never 0). */
  readonly std: Float32Array;
}

/** Mean and standard deviation per mel band over every frame of `features` (`[frames × mels]` each). */
export function bandStatistics(features: readonly Float32Array[], mels: number): BandStatistics {
  const sum = new Float64Array(mels);
  const sumSq = new Float64Array(mels);
  let count = 0;
  for (const f of features) {
    for (let i = 0; i < f.length; i++) {
      sum[i % mels]! += f[i]!;
      sumSq[i % mels]! += f[i]! * f[i]!;
    }
    count += f.length / mels;
  }
  const mean = new Float32Array(mels);
  const std = new Float32Array(mels);
  for (let m = 0; m < mels; m++) {
    mean[m] = sum[m]! / count;
    // A floor keeps near-silent bands from dominating the reconstruction error.
    std[m] = Math.max(Math.sqrt(Math.max(0, sumSq[m]! / count - mean[m]! ** 2)), 0.5);
  }
  return { mean, std };
}

/**
 * Standardises one clip's log-mel `[frames × mels]` and concatenates `context` consecutive
 * frames into rows of `context × mels` (frame-major, DCASE baseline layout), taking every
 * `stride`-th row. Returns `[rows × context·mels]` row-major.
 */
export function stackFrames(feature: Float32Array, mels: number, context: number, stats: BandStatistics, stride = 1): Float32Array {
  const frames = feature.length / mels;
  const rows = Math.max(0, Math.floor((frames - context) / stride) + 1);
  const width = context * mels;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const t0 = r * stride;
    for (let c = 0; c < context; c++) {
      for (let m = 0; m < mels; m++) {
        out[r * width + c * mels + m] = (feature[(t0 + c) * mels + m]! - stats.mean[m]!) / stats.std[m]!;
      }
    }
  }
  return out;
}
