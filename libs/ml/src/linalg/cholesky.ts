/**
 * Lower-triangular L with L·Lᵀ = `a` (symmetric positive definite, n × n row-major; only its
 * lower triangle is read). Pivots below `floor` are raised to it, so a nearly singular matrix
 * still factors.
 */
export function cholesky(a: Float64Array, n: number, floor = 1e-12): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, floor)) : s / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves A·x = b given A's {@link cholesky} factor `l` (forward, then back substitution). */
export function solveCholesky(l: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}
