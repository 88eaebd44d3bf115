/** A source of uniform numbers in [0, 1), like `Math.random`, but seedable and injectable. */
export type Random = () => number;

/** Builds a {@link Random} from a 32-bit seed. */
export type RandomFactory = (seed: number) => Random;

/**
 * mulberry32: a tiny 32-bit PRNG with a full 2^32 period. Not cryptographic; plenty for
 * simulated sensors, and the same seed always yields the same readings.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A seed for an independent stream derived from a base seed and a label (FNV-1a), so each
 * device and each sensor draws its own sequence: enabling acoustic frames on one device does
 * not change the telemetry of another.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A standard normal draw (Box–Muller), scaled to `sd` around `mean`. */
export function normal(random: Random, mean = 0, sd = 1): number {
  // 1 - u keeps the argument of log in (0, 1].
  const u = 1 - random();
  const v = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
