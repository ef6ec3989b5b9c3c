import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { dct, dctColumns, dctMatrix, idct, idctColumns } from "../../models/dct.ts";

describe("orthonormal DCT-II", () => {
  it("N = 2 by hand: X0 = (x0 + x1)/√2, X1 = (x0 − x1)/√2", () => {
    // s_0 = √(1/2), s_1 = √(2/2) = 1, cos(π/4) = −cos(3π/4) = √2/2.
    const X = dct([3, 1]);
    expect(X[0]).toBeCloseTo(4 / Math.SQRT2, 15);
    expect(X[1]).toBeCloseTo(2 / Math.SQRT2, 15);
  });

  it("matches scipy.fft.dct([1, 2, 3, 4], norm='ortho') = [5, −2.2304425, 0, −0.15851267]", () => {
    const X = dct([1, 2, 3, 4]);
    [5, -2.2304425, 0, -0.15851267].forEach((v, k) => expect(X[k]).toBeCloseTo(v, 7));
  });

  it("a constant signal has only a DC coefficient, √N times the value", () => {
    const X = dct(new Array(8).fill(0.5));
    expect(X[0]).toBeCloseTo(0.5 * Math.sqrt(8), 14);
    for (let k = 1; k < 8; k++) expect(Math.abs(X[k])).toBeLessThan(1e-14);
  });

  it("the matrix is orthogonal: M Mᵀ = I to 1e-14", () => {
    for (const n of [1, 2, 5, 8]) {
      const m = dctMatrix(n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let t = 0; t < n; t++) acc += m[i * n + t] * m[j * n + t];
          expect(Math.abs(acc - (i === j ? 1 : 0))).toBeLessThan(1e-14);
        }
      }
    }
  });

  it("DCT then IDCT round trips exactly to 1e-9 in float64", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 16 }), (x) => {
        const back = idct(dct(x));
        x.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(1e-9));
      }),
    );
  });

  it("length is preserved: ‖DCT(x)‖₂ = ‖x‖₂", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), (x) => {
        const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
        expect(Math.abs(norm(dct(x)) - norm(x))).toBeLessThan(1e-12);
      }),
    );
  });

  it("column transforms act on each column of a [N, W] row-major array separately", () => {
    const n = 8;
    const w = 7;
    const x = Array.from({ length: n * w }, (_, i) => Math.sin(i * 1.3));
    const X = dctColumns(x, n, w);
    for (let j = 0; j < w; j++) {
      const col = Array.from({ length: n }, (_, t) => x[t * w + j]);
      const colX = dct(col);
      for (let k = 0; k < n; k++) expect(X[k * w + j]).toBeCloseTo(colX[k], 14);
    }
    const back = idctColumns(X, n, w);
    x.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(1e-9));
  });

  it("a wrong shape is refused with a message", () => {
    expect(() => dctColumns(new Float64Array(55), 8, 7)).toThrow(/N·W = 8·7 values; got 55/);
  });
});
