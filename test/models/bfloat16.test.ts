import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fromBfloat16, toBfloat16 } from "../../models/bfloat16.ts";

const roundTrip = (xs: number[]) => Array.from(fromBfloat16(toBfloat16(Float32Array.from(xs))));

describe("bfloat16", () => {
  test("values with ≤ 8 significant bits survive exactly, infinities too", () => {
    expect(roundTrip([0, 1, -2.5, 0.15625, 2 ** -100, Infinity, -Infinity])).toEqual([0, 1, -2.5, 0.15625, 2 ** -100, Infinity, -Infinity]);
  });

  test("rounds to nearest, ties to even: 1 + 2⁻⁸ → 1, 1 + 3·2⁻⁸ → 1 + 2⁻⁶", () => {
    // bf16 keeps 7 mantissa bits, so its step at 1 is 2⁻⁷; 1 + 2⁻⁸ is a tie (rounds to even 1),
    // 1 + 3·2⁻⁸ is a tie between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even).
    expect(roundTrip([1 + 2 ** -8, 1 + 3 * 2 ** -8])).toEqual([1, 1 + 2 ** -6]);
  });

  test("NaN stays NaN and tiny Adam second moments (1e-12) do not flush to zero", () => {
    const [nan, tiny] = roundTrip([NaN, 1e-12]);
    expect(Number.isNaN(nan)).toBe(true);
    expect(tiny / 1e-12).toBeCloseTo(1, 2);
  });

  test("relative error is at most 2⁻⁸ for normal float32 values", () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true }), (x) => {
        const [y] = roundTrip([x]);
        return Math.abs(y - Math.fround(x)) <= Math.abs(Math.fround(x)) * 2 ** -8;
      }),
    );
  });
});
