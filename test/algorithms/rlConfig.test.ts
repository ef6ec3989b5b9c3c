import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { defaultRlConfig, validateRlConfig } from "../../algorithms/rlConfig.ts";

const referencePath = "/work/shared/reference/SIMPLEVLA_RL.md";
if (!existsSync(referencePath)) console.warn(`skipping the cross-check against ${referencePath}: not present on this machine`);

describe("defaultRlConfig", () => {
  it("holds the original's recipe: G 8, clip 0.2/0.28, T 1.6, AdamW 5e-6 / 0.01, grad clip 1, bounds 0.1/0.9", () => {
    const c = defaultRlConfig();
    expect([c.advantage, c.groupSize, c.clipLow, c.clipHigh, c.temperature]).toEqual(["grpo", 8, 0.2, 0.28, 1.6]);
    expect([c.learningRate, c.weightDecay, c.gradClip, c.beta1, c.beta2]).toEqual([5e-6, 0.01, 1, 0.9, 0.999]);
    expect([c.accuracyLow, c.accuracyHigh]).toEqual([0.1, 0.9]);
  });

  it("the defaults are valid; a bad key is named in the error", () => {
    expect(() => validateRlConfig(defaultRlConfig())).not.toThrow();
    expect(() => validateRlConfig({ ...defaultRlConfig(), clipLow: 1.2 })).toThrow(/RlConfig.clipLow must be in \(0, 1\)/);
    expect(() => validateRlConfig({ ...defaultRlConfig(), miniBatchTrajectories: 0 })).toThrow(/miniBatchTrajectories/);
    expect(() => validateRlConfig({ ...defaultRlConfig(), accuracyLow: 0.95 })).toThrow(/accuracyLow/);
    expect(() => validateRlConfig({ ...defaultRlConfig(), advantage: "a2c" as never })).toThrow(/grpo, rloo, ppo/);
  });

  it("64 groups of 8 in mini-batches of 128 make 4 optimizer steps per rollout batch", () => {
    const c = defaultRlConfig();
    expect((c.groupsPerBatch * c.groupSize) / c.miniBatchTrajectories).toBe(4);
  });

  it.skipIf(!existsSync(referencePath))("agrees with the reference notes when they are present", () => {
    const text = readFileSync(referencePath, "utf8");
    const c = defaultRlConfig();
    const row = (key: string) => text.split("\n").find((l) => l.includes(`\`${key}\``)) ?? "";
    expect(row("data.n_samples")).toContain(`**${c.groupSize}**`);
    expect(row("data.train_batch_size")).toContain(`**${c.groupsPerBatch}**`);
    expect(row("actor.ppo_mini_batch_size")).toContain(`**${c.miniBatchTrajectories}**`);
    expect(row("rollout.temperature")).toContain(`**${c.temperature}**`);
    expect(row("actor.optim.lr")).toContain(`**5e-6**`);
    expect(row("actor.clip_ratio_low")).toContain(`**${c.clipLow} / ${c.clipHigh}**`);
    expect(row("actor.traj_mini_batch_size")).toContain(`${c.sliceChunkSteps}`);
  });
});
