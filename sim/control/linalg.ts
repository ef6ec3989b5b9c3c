/**
 * Dense linear algebra for the few small matrices of operational-space control (n ≤ 7), on row-major
 * Float64Arrays, allocation-free: callers pass the output and scratch arrays.
 */

/**
 * In-place Cholesky factorization A = L·Lᵀ of a symmetric positive-definite n×n matrix; the lower
 * triangle of `a` becomes L. Returns false when A is not positive definite (a pivot ≤ 1e-14·scale).
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 1e-14)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b in place of `b` (length n), given the Cholesky factor in the lower triangle of `l`. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, offset = 0, stride = 1): void {
  for (let i = 0; i < n; i++) {
    let s = b[offset + i * stride];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[offset + k * stride];
    b[offset + i * stride] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[offset + i * stride];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[offset + k * stride];
    b[offset + i * stride] = s / l[i * n + i];
  }
}

/**
 * Inverse of a symmetric positive-definite n×n matrix into `out` (row-major), using `scratch` (n·n).
 * For an SPD matrix the inverse equals the Moore–Penrose pseudo-inverse that robosuite's OSC takes
 * (`np.linalg.pinv`). If the matrix is singular to working precision we fall back to the pseudo-inverse
 * of a slightly regularized matrix (A + 1e-9·tr(A)/n·I), which is what pinv's cutoff amounts to near a
 * singular configuration; returns false in that case so callers may count it.
 */
export function spdInverse(a: Float64Array, n: number, out: Float64Array, scratch: Float64Array): boolean {
  scratch.set(a.subarray(0, n * n));
  let ok = choleskyInPlace(scratch, n);
  if (!ok) {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i];
    scratch.set(a.subarray(0, n * n));
    for (let i = 0; i < n; i++) scratch[i * n + i] += (1e-9 * Math.abs(tr)) / n + 1e-12;
    if (!choleskyInPlace(scratch, n)) throw new Error("Operational-space inertia is not positive definite.");
  }
  out.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  for (let j = 0; j < n; j++) choleskySolveInPlace(scratch, n, out, j, n);
  return ok;
}
