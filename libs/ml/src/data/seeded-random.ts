// mulberry32 is 32-bit, one multiply per draw and passes PractRand to 2^32 outputs —
// plenty for synthetic data, and trivially portable if the edge ever needs the same stream.

/** A uniform source in [0, 1); the only thing generators need from randomness. */
export interface RandomSource {
  next(): number;
}

/**
 * Mixes a base seed with labels into a new 32-bit seed, so that every machine instance,
 * clip and frame owns an independent stream that does not depend on generation order.
 */
export function deriveSeed(base: number, ...parts: ReadonlyArray<string | number>): number {
  let h = (base ^ 0x9e3779b9) >>> 0;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : `$${part}`;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    }
    h = fmix32(h ^ text.length);
  }
  return fmix32(h);
}

// MurmurHash3's finaliser: full avalanche, so adjacent ids give unrelated seeds.
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic PRNG (mulberry32) with the draws the generators use. */
export class SeededRandom implements RandomSource {
  /** The seed this stream started from; `fork` derives from it, not from the state. */
  readonly seed: number;
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick() needs a non-empty list');
    return item;
  }

  /** Normal deviate (Box–Muller; the second value of each pair is kept for the next call). */
  gaussian(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + std * z;
    }
    // 1 − u keeps the logarithm's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /** An independent stream labelled by `parts`, the same whatever was drawn from this one. */
  fork(...parts: ReadonlyArray<string | number>): SeededRandom {
    return new SeededRandom(deriveSeed(this.seed, ...parts));
  }
}
