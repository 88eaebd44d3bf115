import { DataOptionsError } from './data-errors.js';

/** Filter design of `resample`. */
export interface ResampleOptions {
  /** Zero crossings of the sinc on each side, in units of the lower rate (default 32). */
  readonly zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency (default 0.92). */
  readonly rolloff?: number;
  /** Kaiser window β; 8.6 gives ≈ 80 dB stop-band (default). */
  readonly kaiserBeta?: number;
}

// Phase tables are cached only up to this many phases; odd rate pairs (e.g. 44 056 Hz)
// would otherwise allocate one table per output sample.
const MAX_CACHED_PHASES = 8192;

/**
 * Band-limited rational resampling with a Kaiser-windowed sinc (polyphase: one kernel per
 * output phase). The cut-off sits below the lower of the two Nyquist frequencies, so
 * content that cannot be represented at `toRate` is removed instead of aliased. Samples
 * beyond the ends count as zero. Output length is `round(n · toRate / fromRate)`.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Float32Array {
  if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) {
    throw new DataOptionsError(`sample rates must be positive integers, got ${fromRate} → ${toRate}`);
  }
  if (fromRate === toRate) return Float32Array.from(samples);
  const zeroCrossings = options.zeroCrossings ?? 32;
  const rolloff = options.rolloff ?? 0.92;
  const beta = options.kaiserBeta ?? 8.6;
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cut-off in cycles per input sample ×2 (1 = input Nyquist).
  const cutoff = rolloff * Math.min(1, toRate / fromRate);
  const halfWidth = Math.ceil(zeroCrossings / cutoff);
  const taps = 2 * halfWidth;
  const i0Beta = besselI0(beta);

  const cache = up <= MAX_CACHED_PHASES ? new Array<Float64Array | undefined>(up) : undefined;
  const kernel = (phase: number): Float64Array => {
    const cached = cache?.[phase];
    if (cached) return cached;
    const frac = phase / up;
    const h = new Float64Array(taps);
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const tau = j - halfWidth + 1 - frac;
      const x = tau / halfWidth;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
      const arg = Math.PI * cutoff * tau;
      h[j] = window * (arg === 0 ? 1 : Math.sin(arg) / arg);
      sum += h[j]!;
    }
    // Unit DC gain per phase removes the small ripple a finite window leaves at 0 Hz.
    for (let j = 0; j < taps; j++) h[j] = h[j]! / sum;
    if (cache) cache[phase] = h;
    return h;
  };

  const outLength = Math.round((samples.length * up) / down);
  const out = new Float32Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const position = n * down;
    const base = Math.floor(position / up);
    const h = kernel(position - base * up);
    const first = base - halfWidth + 1;
    let acc = 0;
    const lo = Math.max(0, -first);
    const hi = Math.min(taps, samples.length - first);
    for (let j = lo; j < hi; j++) acc += h[j]! * samples[first + j]!;
    out[n] = acc;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

// Zeroth-order modified Bessel function of the first kind (power series; converges fast
// for the β ≤ 20 a Kaiser window uses).
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}
