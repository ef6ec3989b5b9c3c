import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatInterval, wilsonInterval, Z95 } from "../../src/report/wilson.ts";

describe("wilsonInterval", () => {
  it("matches the worked example in its doc comment: 0/5 → [0, 0.4345]", () => {
    const { low, high } = wilsonInterval(0, 5);
    expect(low).toBe(0);
    expect(high).toBeCloseTo(0.43448, 4);
    expect(formatInterval({ low, high })).toBe("[0–43%]");
  });

  it("is symmetric: k of n mirrors n − k of n", () => {
    const a = wilsonInterval(3, 20);
    const b = wilsonInterval(17, 20);
    expect(a.low).toBeCloseTo(1 - b.high, 12);
    expect(a.high).toBeCloseTo(1 - b.low, 12);
  });

  it("its ends are the rates p at which k/n lies exactly z standard errors from p (the defining equation)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const k = Math.min(n, Math.floor(u * (n + 1)));
        const { low, high } = wilsonInterval(k, n);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(low).toBeLessThanOrEqual(k / n);
        expect(high).toBeGreaterThanOrEqual(k / n);
        for (const p of [low, high]) {
          const lhs = (k / n - p) ** 2;
          const rhs = (Z95 * Z95 * p * (1 - p)) / n;
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12);
        }
      }),
    );
  });

  it("narrows as trials grow at a fixed rate", () => {
    const width = (k: number, n: number) => {
      const i = wilsonInterval(k, n);
      return i.high - i.low;
    };
    expect(width(5, 10)).toBeGreaterThan(width(50, 100));
    expect(width(50, 100)).toBeGreaterThan(width(500, 1000));
  });

  it("rejects counts that are not a binomial outcome", () => {
    expect(() => wilsonInterval(1, 0)).toThrow(/trials/);
    expect(() => wilsonInterval(6, 5)).toThrow(/successes/);
    expect(() => wilsonInterval(1.5, 5)).toThrow(/successes/);
  });
});
