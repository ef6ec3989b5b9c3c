import { describe, expect, it } from "vitest";
import { chunkStepsFor, tokenMask, validateRollout, type Rollout } from "../../algorithms/rollout.ts";

describe("tokenMask", () => {
  it("mask stops at finishStep·7: a trajectory of 10 env steps keeps chunk 0 and 2 actions of chunk 1", () => {
    const mask = tokenMask([10, 16], 2); // [2, 112]
    expect(mask.length).toBe(2 * 112);
    const row0 = Array.from(mask.subarray(0, 112));
    expect(row0.slice(0, 70).every((m) => m === 1)).toBe(true);
    expect(row0.slice(70).every((m) => m === 0)).toBe(true);
    expect(Array.from(mask.subarray(112)).every((m) => m === 1)).toBe(true);
  });

  it("the last valid token is finishStep·7 − 1, where the original writes the reward", () => {
    const mask = tokenMask([5], 1);
    expect(mask[34]).toBe(1);
    expect(mask[35]).toBe(0);
  });

  it("refuses a finishStep longer than the chunk steps allow", () => {
    expect(() => tokenMask([17], 2)).toThrow(/finishSteps\[0\]/);
  });
});

describe("validateRollout", () => {
  const step = () => ({ image: new Uint8Array(128 * 128 * 3), tokens: new Int32Array(56), samplingLogProbs: new Float32Array(56) });
  const rollout = (finishStep: number, steps: number): Rollout => ({
    suite: "libero_10",
    taskId: 0,
    instruction: "put the bowl on the plate",
    init: { split: "train", index: 3 },
    groupId: 0,
    steps: Array.from({ length: steps }, step),
    finishStep,
    success: true,
  });

  it("accepts ceil(finishStep/8) chunk steps", () => {
    expect(chunkStepsFor(9)).toBe(2);
    expect(() => validateRollout(rollout(9, 2))).not.toThrow();
  });

  it("names the mismatch between chunk steps and finishStep", () => {
    expect(() => validateRollout(rollout(9, 1))).toThrow(/ceil\(9\/8\) = 2/);
  });
});
