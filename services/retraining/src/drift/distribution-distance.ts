/**
 * Distances between two distributions over the same bins (issue 14, drift monitoring). Both take
 * bin counts or proportions and normalise them, so a window of 300 frames compares with a
 * reference of 5,000 samples.
 */

/**
 * Added to every bin share before the logarithms: an empty bin would make PSI infinite. 1e-4 is
 * the usual choice — small enough that a bin holding 1 % of either side dominates it.
 */
export const EMPTY_BIN_SHARE = 1e-4;

/**
 * Population stability index: Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins, with `expected` the
 * reference and `actual` the live window. Rules of thumb: < 0.1 stable, 0.1–0.25 moderate
 * shift, > 0.25 a significant shift (the default drift threshold).
 */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  const [e, a] = sharesOf(expected, actual);
  let psi = 0;
  for (let i = 0; i < e.length; i++) psi += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return psi;
}

/**
 * Jensen–Shannon distance (the square root of the divergence, base-2 logarithms): symmetric,
 * 0 for identical distributions and 1 for distributions with no bin in common.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const [ps, qs] = sharesOf(p, q, 0);
  let divergence = 0;
  for (let i = 0; i < ps.length; i++) {
    const m = (ps[i]! + qs[i]!) / 2;
    if (ps[i]! > 0) divergence += (ps[i]! / 2) * Math.log2(ps[i]! / m);
    if (qs[i]! > 0) divergence += (qs[i]! / 2) * Math.log2(qs[i]! / m);
  }
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.sqrt(Math.max(0, Math.min(1, divergence)));
}

/**
 * Bin edges that cut `reference` into `bins` groups of equal size (its quantiles): with them, a
 * reference concentrated near 0 (a healthy fleet's scores) still spreads over every bin, so a
 * shift inside [0, 0.1] shows. Returns the `bins − 1` inner edges, ascending, without repeats.
 */
export function quantileEdges(reference: readonly number[], bins: number): number[] {
  if (reference.length === 0) throw new RangeError('quantile edges need at least one reference value');
  const sorted = [...reference].sort((x, y) => x - y);
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/** The bin of `value` under inner `edges` (bin i holds values in [edges[i−1], edges[i])): 0…edges.length. */
export function binOf(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Counts of `values` in the `edges.length + 1` bins. */
export function binCounts(values: Iterable<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[binOf(v, edges)]!++;
  return counts;
}

function sharesOf(x: readonly number[], y: readonly number[], floor = EMPTY_BIN_SHARE): [number[], number[]] {
  if (x.length !== y.length || x.length === 0) throw new RangeError(`both distributions need the same bins (got ${x.length} and ${y.length})`);
  return [shares(x, floor), shares(y, floor)];
}

function shares(counts: readonly number[], floor: number): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  if (!(total > 0) || counts.some((c) => !(c >= 0))) throw new RangeError('a distribution needs non-negative bins with a positive total');
  const raw = counts.map((c) => c / total);
  if (floor === 0) return raw;
  const lifted = raw.map((s) => Math.max(s, floor));
  const sum = lifted.reduce((s, c) => s + c, 0);
  return lifted.map((s) => s / sum);
}
