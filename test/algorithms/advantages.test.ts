import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  advantageEstimators,
  chunkStepRewards,
  gae,
  getAdvantageEstimator,
  grpoAdvantages,
  rlooAdvantages,
} from "../../algorithms/advantages.ts";

/** Plain-loop GAE straight from the definition A_t = Σ_k (γλ)^k δ_{t+k}, used as the reference. */
function gaeByDefinition(rewards: number[], values: number[], gamma: number, lambda: number): number[] {
  const S = rewards.length;
  const delta = rewards.map((r, t) => r + gamma * (t + 1 < S ? values[t + 1] : 0) - values[t]);
  return delta.map((_, t) => {
    let sum = 0;
    for (let k = t; k < S; k++) sum += (gamma * lambda) ** (k - t) * delta[k];
    return sum;
  });
}

describe("grpoAdvantages", () => {
  it("one success in a group of 8 gives the hand-derived values", () => {
    // mean = 1/8 = 0.125; Σ(r − mean)² = 0.875² + 7·0.125² = 0.765625 + 0.109375 = 0.875;
    // unbiased variance = 0.875 / 7 = 0.125 (= 0.125·0.875·8/7), std = sqrt(0.125) = 0.35355339…
    // A_success = 0.875 / (0.35355339 + 1e-6) ≈ 2.4748668, A_fail = −0.125 / (0.35355339 + 1e-6) ≈ −0.3535524
    const std = Math.sqrt(0.125);
    const a = grpoAdvantages([1, 0, 0, 0, 0, 0, 0, 0], 8);
    expect(a[0]).toBeCloseTo(0.875 / (std + 1e-6), 12);
    expect(a[0]).toBeCloseTo(2.4748668, 6);
    for (let i = 1; i < 8; i++) expect(a[i]).toBeCloseTo(-0.3535524, 6);
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(0, 12);
  });

  it("zero-std group gives zero advantage, not NaN", () => {
    expect(grpoAdvantages([1, 1, 1, 1, 0, 0, 0, 0], 4)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("groups are contiguous and normalized separately", () => {
    // group 1: [1, 0] mean 0.5, unbiased std sqrt(0.5) → ±0.5/0.70710678 = ±0.7071058; group 2 all equal → 0
    const a = grpoAdvantages([1, 0, 0, 0], 2);
    expect(a[0]).toBeCloseTo(0.7071058, 6);
    expect(a[1]).toBeCloseTo(-0.7071058, 6);
    expect(a.slice(2)).toEqual([0, 0]);
  });

  it("rejects a reward count that is not a whole number of groups", () => {
    expect(() => grpoAdvantages([1, 0, 1], 2)).toThrow(/groupSize 2/);
  });
});

describe("rlooAdvantages", () => {
  it("leave-one-out baseline by hand", () => {
    // r = [1, 0, 1, 0]: A_0 = 1 − (0+1+0)/3 = 2/3, A_1 = 0 − (1+1+0)/3 = −2/3
    const a = rlooAdvantages([1, 0, 1, 0], 4);
    expect(a[0]).toBeCloseTo(2 / 3, 12);
    expect(a[1]).toBeCloseTo(-2 / 3, 12);
    expect(a[2]).toBeCloseTo(2 / 3, 12);
    expect(a[3]).toBeCloseTo(-2 / 3, 12);
  });

  it("equals G/(G−1)·(r − mean) for any group", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<number>(0, 1), { minLength: 2, maxLength: 8 }), (rewards) => {
        const G = rewards.length;
        const mean = rewards.reduce((a, b) => a + b, 0) / G;
        rlooAdvantages(rewards, G).forEach((a, i) => expect(a).toBeCloseTo((G / (G - 1)) * (rewards[i] - mean), 10));
      }),
    );
  });
});

describe("gae", () => {
  it("two steps by hand", () => {
    // r = [0, 1], V = [0.5, 0.8], γ = 0.9, λ = 0.5
    // δ_1 = 1 + 0 − 0.8 = 0.2;  δ_0 = 0 + 0.9·0.8 − 0.5 = 0.22
    // A_1 = 0.2; A_0 = 0.22 + 0.45·0.2 = 0.31; returns = [0.81, 1.0]
    const { advantages, returns } = gae([0, 1], [0.5, 0.8], 0.9, 0.5);
    expect(advantages[0]).toBeCloseTo(0.31, 12);
    expect(advantages[1]).toBeCloseTo(0.2, 12);
    expect(returns[0]).toBeCloseTo(0.81, 12);
    expect(returns[1]).toBeCloseTo(1.0, 12);
  });

  it("matches the plain-loop sum-of-deltas definition", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((S) =>
          fc.tuple(
            fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: S, maxLength: S }),
            fc.boolean(),
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
        ),
        ([values, success, gamma, lambda]) => {
          const rewards = chunkStepRewards(values.length, success ? 1 : 0);
          const expected = gaeByDefinition(rewards, values, gamma, lambda);
          gae(rewards, values, gamma, lambda).advantages.forEach((a, t) => expect(a).toBeCloseTo(expected[t], 9));
        },
      ),
    );
  });

  it("with γ = λ = 1 and zero values every step's advantage is the outcome (the original's yaml default)", () => {
    expect(gae(chunkStepRewards(3, 1), [0, 0, 0], 1, 1).advantages).toEqual([1, 1, 1]);
  });
});

describe("advantage estimator registry", () => {
  it("grpo broadcasts the trajectory advantage to every chunk step", () => {
    const out = advantageEstimators.grpo.estimate({
      rewards: [1, 0],
      groupSize: 2,
      chunkSteps: [2, 3],
      gamma: 1,
      lambda: 1,
    });
    expect(out.stepAdvantages.map((s) => s.length)).toEqual([2, 3]);
    expect(new Set(out.stepAdvantages[1]).size).toBe(1);
    expect(out.returns).toBeUndefined();
  });

  it("ppo needs values and returns value targets", () => {
    const ppo = getAdvantageEstimator("ppo");
    expect(ppo.needsValues).toBe(true);
    expect(() => ppo.estimate({ rewards: [1], groupSize: 1, chunkSteps: [2], gamma: 1, lambda: 1 })).toThrow(/values/);
    const out = ppo.estimate({ rewards: [1], groupSize: 1, chunkSteps: [2], values: [[0.25, 0.5]], gamma: 1, lambda: 1 });
    expect(out.returns).toEqual([[1, 1]]);
    expect(out.stepAdvantages).toEqual([[0.75, 0.5]]);
  });

  it("an unknown estimator name is refused with the valid names", () => {
    expect(() => getAdvantageEstimator("a2c")).toThrow(/grpo, rloo, ppo/);
  });
});
