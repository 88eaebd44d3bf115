/**
 * Probability that a Brownian motion with drift, started at 0, reaches the level `distance` (> 0)
 * by the time its mean has moved by `displacement` and its spread is `sigma` (the standard
 * deviation of its value then). The inverse-Gaussian first-passage law:
 *
 *   P = Φ((m − a)/σ) + exp(2·m·a/σ²) · Φ(−(a + m)/σ),   a = distance, m = displacement.
 *
 * The first term is the probability of *ending* beyond the level (what a forecast step's interval
 * says); the second adds the paths that crossed and came back before that time. With no drift the
 * sum is twice the first term (the reflection principle). Why it matters for failure risk: a step
 * whose interval only grazes the limit already means the value will likely touch the limit
 * somewhere within the horizon, which is what an operator needs warning of.
 */
export function firstPassageProbability(distance: number, displacement: number, sigma: number): number {
  if (distance <= 0) return 1;
  if (!(sigma > 0)) return displacement >= distance ? 1 : 0;
  const a = distance;
  const m = displacement;
  const ending = normalCdf((m - a) / sigma);
  // exp(2ma/σ²)·Φ(−x) overflows × underflows for a strong drift toward the level; rewritten with
  // the Mills ratio R(x) = Φ(−x)/φ(x) it is exp(−(a − m)²/(2σ²))·R(x)/√(2π), which stays finite.
  const x = (a + m) / sigma;
  const returned = m <= 0 ? Math.exp((2 * m * a) / (sigma * sigma)) * normalCdf(-x) : (Math.exp(-((a - m) ** 2) / (2 * sigma * sigma)) * millsRatio(x)) / Math.sqrt(2 * Math.PI);
  return Math.min(1, Math.max(0, ending + returned));
}

/** Φ(−x)/φ(x) for x ≥ 0: directly below 3, else Laplace's continued fraction (relative error < 1e-9 there). */
function millsRatio(x: number): number {
  if (x < 3) return normalCdf(-x) / (Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI));
  let f = x;
  for (let k = 40; k >= 1; k--) f = x + k / f;
  return 1 / f;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse of {@link normalCdf} by bisection (called once per assessment; precision 1e-9). */
export function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
