import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { greedyFromLogits, logProbsFromLogits, sampleFromLogits } from "../../models/sampling.ts";

describe("sampling from logits", () => {
  test("inverse CDF: u below p₀ picks bin 0, u just past p₀ picks bin 1", () => {
    // logits [0, 0, ln 2] → p = [1/4, 1/4, 1/2]; u = 0.2 → bin 0, u = 0.3 → bin 1, u = 0.6 → bin 2.
    const logits = Float32Array.from([0, 0, Math.log(2)]);
    const pick = (u: number) => sampleFromLogits(logits, 1, 1, 3, 1, [() => u]);
    expect(pick(0.2).tokens[0]).toBe(0);
    expect(pick(0.3).tokens[0]).toBe(1);
    expect(pick(0.6).tokens[0]).toBe(2);
    expect(pick(0.6).logProbs[0]).toBeCloseTo(Math.log(0.5), 6);
  });

  test("temperature divides the logits: T = 2 on [0, 2 ln 2] gives p = [1/3, 2/3]", () => {
    const logits = Float32Array.from([0, 2 * Math.log(2)]);
    const lp = logProbsFromLogits(logits, Int32Array.from([1]), 1, 1, 2, 2);
    expect(lp[0]).toBeCloseTo(Math.log(2 / 3), 6);
  });

  test("each row draws only from its own stream", () => {
    const logits = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i));
    const calls = [0, 0];
    sampleFromLogits(logits, 2, 3, 4, 1, [() => (calls[0]++, 0.5), () => (calls[1]++, 0.5)]);
    expect(calls).toEqual([3, 3]);
  });

  test("an rng returning values just below 1 still yields a valid bin (rounding guard)", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 2, maxLength: 16 }), (values) => {
        const logits = Float32Array.from(values);
        const { tokens, logProbs } = sampleFromLogits(logits, 1, 1, values.length, 1.6, [() => 1 - 2 ** -53]);
        return tokens[0] >= 0 && tokens[0] < values.length && logProbs[0] <= 0;
      }),
    );
  });

  test("greedy takes the first maximum on ties", () => {
    expect(Array.from(greedyFromLogits(Float32Array.from([1, 3, 3, 0]), 1, 1, 4))).toEqual([1]);
  });

  test("mismatched sizes and bad temperatures are clear errors", () => {
    expect(() => sampleFromLogits(new Float32Array(5), 1, 1, 4, 1, [() => 0])).toThrow(/5 values but B·S·K = 1·1·4 = 4/);
    expect(() => logProbsFromLogits(new Float32Array(4), new Int32Array(1), 1, 1, 4, -1)).toThrow(/temperature must be a positive/);
  });
});
