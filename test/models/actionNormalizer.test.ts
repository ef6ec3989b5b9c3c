import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  actionStatsFromJSON,
  actionStatsToJSON,
  computeActionStats,
  normalizeActions,
  quantileLinear,
  unnormalizeActions,
  type ActionStats,
} from "../../models/actionNormalizer.ts";
import { ACTION_DIM } from "../../models/types.ts";

/** S actions whose dim d is column[d][s]. */
function fromColumns(columns: number[][]): Float32Array {
  const steps = columns[0].length;
  const out = new Float32Array(steps * ACTION_DIM);
  for (let s = 0; s < steps; s++) for (let d = 0; d < ACTION_DIM; d++) out[s * ACTION_DIM + d] = columns[d][s];
  return out;
}

const simpleStats = (): ActionStats => ({
  q01: [-1, 0, -2, 0, 0, 0, -1],
  q99: [1, 4, 2, 1, 1, 1, 1],
  min: [-1, 0, -2, 0, 0, 5, -1],
  max: [1, 4, 2, 1, 1, 5, 1],
  mean: [0, 2, 0, 0.5, 0.5, 5, 0],
  std: [1, 1, 1, 1, 1, 0, 1],
});

describe("computeActionStats", () => {
  it("quantiles follow numpy's linear rule: q01 of [1,2,3,4,10] is 1.04 and q99 is 9.76", () => {
    // h = (5 − 1)·0.01 = 0.04 → 1 + 0.04·(2 − 1) = 1.04;  h = 3.96 → 4 + 0.96·(10 − 4) = 9.76 (np.quantile agrees).
    const sorted = [1, 2, 3, 4, 10];
    expect(quantileLinear(sorted, 0.01)).toBeCloseTo(1.04, 12);
    expect(quantileLinear(sorted, 0.99)).toBeCloseTo(9.76, 12);
    expect(quantileLinear(sorted, 0)).toBe(1);
    expect(quantileLinear(sorted, 1)).toBe(10);
  });

  it("hand example: unordered column gives sorted-order quantiles, mean and population std", () => {
    const col = [10, 3, 1, 4, 2];
    const stats = computeActionStats(fromColumns(Array.from({ length: ACTION_DIM }, () => col)));
    for (let d = 0; d < ACTION_DIM; d++) {
      expect(stats.q01[d]).toBeCloseTo(1.04, 5);
      expect(stats.q99[d]).toBeCloseTo(9.76, 5);
      expect(stats.min[d]).toBe(1);
      expect(stats.max[d]).toBe(10);
      expect(stats.mean[d]).toBe(4);
      // population variance: (36 + 1 + 9 + 0 + 4) / 5 = 10
      expect(stats.std[d]).toBeCloseTo(Math.sqrt(10), 12);
    }
  });

  it("rejects a length that is not whole actions, naming the count", () => {
    expect(() => computeActionStats(new Float32Array(8))).toThrow(/S·7 values.*got 8/);
    expect(() => computeActionStats(new Float32Array(0))).toThrow(/got 0/);
  });
});

describe("normalizeActions", () => {
  it("maps q01 to −1, q99 to +1 and the midpoint to 0 on dims 0–5", () => {
    const stats = simpleStats();
    const a = new Float32Array([-1, 0, -2, 0, 0, 5, 1, 1, 4, 2, 1, 1, 5, -1, 0, 2, 0, 0.5, 0.5, 5, 0]);
    const y = normalizeActions(a, stats);
    expect(Array.from(y.slice(0, 5))).toEqual([-1, -1, -1, -1, -1].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(y.slice(7, 12))).toEqual([1, 1, 1, 1, 1].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(y.slice(14, 19))).toEqual([0, 0, 0, 0, 0].map((v) => expect.closeTo(v, 6)));
  });

  it("a dim with min == max normalizes to 0", () => {
    const stats = simpleStats(); // dim 5 has min = max = 5
    const y = normalizeActions(new Float32Array([0, 0, 0, 0, 0, 123, 0]), stats);
    expect(y[5]).toBe(0);
  });

  it("clips values beyond q01/q99 to ±1", () => {
    const y = normalizeActions(new Float32Array([5, -3, 9, 0, 0, 0, 0]), simpleStats());
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(-1);
    expect(y[2]).toBe(1);
  });

  it("the gripper passes through unchanged in both directions", () => {
    const stats = simpleStats();
    for (const g of [-1, 1, 0, 0.3]) {
      const a = new Float32Array([0, 0, 0, 0, 0, 0, g]);
      expect(normalizeActions(a, stats)[6]).toBe(Math.fround(g));
      expect(unnormalizeActions(a, stats)[6]).toBe(Math.fround(g));
    }
  });

  it("unnormalize inverts normalize inside [q01, q99]", () => {
    const stats = simpleStats();
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (u) => {
        const a = new Float32Array(ACTION_DIM);
        for (let d = 0; d < 5; d++) a[d] = stats.q01[d] + u[d] * (stats.q99[d] - stats.q01[d]);
        const back = unnormalizeActions(normalizeActions(a, stats), stats);
        for (let d = 0; d < 5; d++) expect(Math.abs(back[d] - a[d])).toBeLessThan(1e-5);
      }),
    );
  });
});

describe("action statistics JSON", () => {
  it("round trips through JSON text", () => {
    const stats = computeActionStats(new Float32Array(Array.from({ length: 70 }, (_, i) => Math.sin(i))));
    const back = actionStatsFromJSON(JSON.stringify(actionStatsToJSON(stats)));
    expect(back).toEqual(stats);
  });

  it("names the bad field: a q99 with six entries", () => {
    const bad = { ...simpleStats(), q99: [1, 1, 1, 1, 1, 1] };
    expect(() => actionStatsFromJSON(bad, "stats.json")).toThrow(/stats.json: field 'q99' must be an array of 7 finite numbers; got an array of length 6/);
  });

  it("names the bad field: a missing std", () => {
    const { std: _std, ...rest } = simpleStats();
    expect(() => actionStatsFromJSON(rest)).toThrow(/field 'std'/);
  });

  it("refuses q01 above q99, naming the dim", () => {
    const bad = simpleStats();
    bad.q01[2] = 3;
    expect(() => actionStatsFromJSON(bad)).toThrow(/dim 2 must satisfy min ≤ q01 ≤ q99 ≤ max/);
  });

  it("refuses text that is not JSON", () => {
    expect(() => actionStatsFromJSON("{oops", "ckpt/stats.json")).toThrow(/ckpt\/stats.json: not valid JSON/);
  });
});
