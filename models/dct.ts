/**
 * The orthonormal DCT-II and its inverse (the orthonormal DCT-III), in float64: the transform FAST applies
 * along the time axis of an action chunk (scipy `dct(x, type=2, norm="ortho")` / `idct(..., norm="ortho")`).
 *
 *   X_k = s_k Σ_{n=0}^{N−1} x_n cos(π(2n + 1)k / 2N),   s_0 = √(1/N), s_k = √(2/N) for k ≥ 1
 *   x_n = Σ_{k=0}^{N−1} s_k X_k cos(π(2n + 1)k / 2N)
 *
 * With these scales the N×N matrix M[k][n] = s_k cos(π(2n + 1)k / 2N) is orthogonal (M Mᵀ = I), so the
 * transform preserves Euclidean length: ‖X‖₂ = ‖x‖₂. FAST's error bound rests on that (see fast.ts).
 * N is small (8), so a precomputed matrix is both the clearest and the fastest form.
 */

const matrices = new Map<number, Float64Array>();

/** [N·N] row-major orthonormal DCT-II matrix M[k][n] = s_k cos(π(2n + 1)k / 2N), cached per N. */
export function dctMatrix(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`dctMatrix: the length must be a positive integer; got ${n}.`);
  let m = matrices.get(n);
  if (m === undefined) {
    m = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const s = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
      for (let i = 0; i < n; i++) m[k * n + i] = s * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n));
    }
    matrices.set(n, m);
  }
  return m;
}

/**
 * DCT-II along time of every column of a [N·W] row-major signal (row t, column j at t·W + j):
 * returns [N·W] coefficients, row k holding frequency k of every column.
 */
export function dctColumns(x: ArrayLike<number>, n: number, width: number): Float64Array {
  checkShape("dctColumns", x.length, n, width);
  const m = dctMatrix(n);
  const out = new Float64Array(n * width); // [N, W]
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < width; j++) {
      let acc = 0;
      for (let t = 0; t < n; t++) acc += m[k * n + t] * x[t * width + j];
      out[k * width + j] = acc;
    }
  }
  return out;
}

/** Inverse of `dctColumns`: [N·W] coefficients (row k = frequency k) → [N·W] signal (row t = time t). */
export function idctColumns(coeffs: ArrayLike<number>, n: number, width: number): Float64Array {
  checkShape("idctColumns", coeffs.length, n, width);
  const m = dctMatrix(n);
  const out = new Float64Array(n * width); // [N, W]
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < width; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += m[k * n + t] * coeffs[k * width + j];
      out[t * width + j] = acc;
    }
  }
  return out;
}

/** DCT-II of one 1-D signal [N] → [N]. */
export function dct(x: ArrayLike<number>): Float64Array {
  return dctColumns(x, x.length, 1);
}

/** Inverse DCT (orthonormal DCT-III) of one 1-D coefficient vector [N] → [N]. */
export function idct(coeffs: ArrayLike<number>): Float64Array {
  return idctColumns(coeffs, coeffs.length, 1);
}

function checkShape(fn: string, length: number, n: number, width: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(width) || width < 1 || length !== n * width) {
    throw new Error(`${fn}: the input must hold N·W = ${n}·${width} values; got ${length}.`);
  }
}
