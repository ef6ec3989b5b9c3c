import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import { ppoUpdate, updateVariables, type ObservationEncoder } from "../../algorithms/ppoUpdate.ts";
import { defaultRlConfig, type RlConfig } from "../../algorithms/rlConfig.ts";
import type { Rollout } from "../../algorithms/rollout.ts";
import { tokenLogProbs } from "../../algorithms/tokenDistribution.ts";
import { grpoAdvantages } from "../../algorithms/advantages.ts";
import { clippedPolicyLoss } from "../../algorithms/policyLoss.ts";
import { tokenMask } from "../../algorithms/rollout.ts";
import type { GradientApplier } from "../../algorithms/gradientApplier.ts";
import { ValueHead } from "../../algorithms/valueHead.ts";
import { AdamApplier, TinyPolicy, useCpu } from "./tinyPolicy.ts";

beforeAll(useCpu);

const SIDE = 4; // the tiny policy's image side: rollouts here store 4·4·3 images

/** Test encoder: bytes / 255 as [B, 4, 4, 3]; instruction → its first 3 char codes mod 16. */
const encode: ObservationEncoder = (images, instructions) => ({
  images: tf.tensor4d(Float32Array.from(images.flatMap((img) => Array.from(img, (v) => v / 255))), [images.length, SIDE, SIDE, 3]),
  text: tf.tensor2d(Int32Array.from(instructions.flatMap((s) => [0, 1, 2].map((i) => s.charCodeAt(i) % 16))), [instructions.length, 3], "int32"),
});

/** Groups of G trajectories with random images and tokens; `successes[g][m]` sets the outcomes. */
function makeRollouts(seed: string, successes: boolean[][], finishSteps?: number[]): Rollout[] {
  const rng = seedrandom(seed);
  const rollouts: Rollout[] = [];
  successes.forEach((group, g) =>
    group.forEach((success, m) => {
      const finishStep = finishSteps?.[rollouts.length] ?? 8 + Math.floor(rng() * 12); // 1–3 chunk steps
      const steps = Array.from({ length: Math.ceil(finishStep / 8) }, () => ({
        image: Uint8Array.from({ length: SIDE * SIDE * 3 }, () => Math.floor(rng() * 256)),
        tokens: Int32Array.from({ length: 56 }, () => Math.floor(rng() * 256)),
        samplingLogProbs: new Float32Array(56),
      }));
      rollouts.push({ suite: "libero_spatial", taskId: g, instruction: `task ${g}`, init: { split: "train", index: m }, groupId: g, steps, finishStep, success });
    }),
  );
  return rollouts;
}

/** Mean log-prob (T = 1.6) of each trajectory's valid tokens under the model. */
function meanLogProbs(model: TinyPolicy, rollouts: Rollout[]): number[] {
  return rollouts.map((r) =>
    tf.tidy(() => {
      const batch = encode(r.steps.map((s) => s.image), r.steps.map(() => r.instruction));
      const tokens = tf.tensor2d(Int32Array.from(r.steps.flatMap((s) => Array.from(s.tokens))), [r.steps.length, 56], "int32");
      const logp = tokenLogProbs(model.logits(batch), tokens, 1.6).dataSync();
      let sum = 0;
      for (let i = 0; i < r.finishStep * 7; i++) sum += logp[i];
      return sum / (r.finishStep * 7);
    }),
  );
}

function testConfig(overrides: Partial<RlConfig> = {}): RlConfig {
  return { ...defaultRlConfig(), groupSize: 4, miniBatchTrajectories: 8, sliceChunkSteps: 4, ...overrides };
}

describe("ppoUpdate (grpo)", () => {
  const model = new TinyPolicy("grpo");
  afterAll(() => model.dispose());

  it("raises the log-prob of positively advantaged trajectories and lowers the negative ones", async () => {
    const rollouts = makeRollouts("r1", [[true, false, false, false], [true, true, true, false]]);
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-3, 1);
    const before = meanLogProbs(model, rollouts);
    const d = await ppoUpdate({ model, rollouts, encode, optimizer, config: testConfig() });
    const after = meanLogProbs(model, rollouts);
    rollouts.forEach((r, n) => {
      if (r.success) expect(after[n]).toBeGreaterThan(before[n]);
      else expect(after[n]).toBeLessThan(before[n]);
    });
    // one mini-batch: the only step sees the weights that computed the old log-probs, so ρ ≡ 1
    expect(d.optimizerSteps).toBe(1);
    expect(d.ratioMean).toBeCloseTo(1, 6);
    expect(d.ratioMax).toBeCloseTo(1, 6);
    expect(d.approxKl).toBeCloseTo(0, 6);
    expect(d.clipFrac).toBe(0);
    expect(d.entropy).toBeGreaterThan(0);
    expect(d.entropy).toBeLessThanOrEqual(Math.log(256) + 1e-6);
    expect(d.gradNorm).toBeGreaterThan(0);
    expect(d.validTokens).toBe(rollouts.reduce((a, r) => a + 7 * r.finishStep, 0));
    // the rollouts' sampling log-probs are zeros here: the update recomputed its own, so the gap is large
    expect(d.samplingLogProbGap).toBeGreaterThan(1);
    optimizer.dispose();
  });

  it("contiguous mini-batches give one optimizer step each, later ones see ρ ≠ 1", async () => {
    const rollouts = makeRollouts("r2", [[true, false, false, false], [false, true, true, false]]);
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-2, 1);
    const d = await ppoUpdate({ model, rollouts, encode, optimizer, config: testConfig({ miniBatchTrajectories: 2 }) });
    expect(d.optimizerSteps).toBe(4);
    expect(d.approxKl).toBeGreaterThan(0);
    optimizer.dispose();
  });

  it("slicing chunk steps changes memory, not the result", async () => {
    const rollouts = makeRollouts("r3", [[true, false, true, false]]);
    const a = new TinyPolicy("same");
    const b = new TinyPolicy("same");
    const oa = new AdamApplier(a.trainableVariables(), 1e-3, 1);
    const ob = new AdamApplier(b.trainableVariables(), 1e-3, 1);
    const da = await ppoUpdate({ model: a, rollouts, encode, optimizer: oa, config: testConfig({ sliceChunkSteps: 1 }) });
    const db = await ppoUpdate({ model: b, rollouts, encode, optimizer: ob, config: testConfig({ sliceChunkSteps: 64 }) });
    expect(da.policyLoss).toBeCloseTo(db.policyLoss, 5);
    expect(da.gradNorm).toBeCloseTo(db.gradNorm, 4);
    const wa = a.trainableVariables()[3].dataSync();
    const wb = b.trainableVariables()[3].dataSync();
    let maxDiff = 0;
    for (let i = 0; i < wa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wa[i] - wb[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    [a, b, oa, ob].forEach((x) => x.dispose());
  });

  it("its gradient equals clippedPolicyLoss on whole trajectories [N, S·56] (token mean per trajectory, then mean)", async () => {
    const rollouts = makeRollouts("r7", [[true, false, false, true]], [9, 24, 3, 17]);
    const variables = model.trainableVariables();
    // records the summed gradient instead of applying it
    const recorded: tf.Tensor[] = [];
    const recorder: GradientApplier = {
      applyGradients: (grads) => {
        grads.forEach((g, i) => recorded.push(g ? tf.clone(g) : tf.zerosLike(variables[i])));
        return { gradNorm: 0 };
      },
    };
    await ppoUpdate({ model, rollouts, encode, optimizer: recorder, config: testConfig({ sliceChunkSteps: 3 }) });

    const maxSteps = Math.max(...rollouts.map((r) => r.steps.length));
    const logpOf = () =>
      tf.concat(
        rollouts.map((r) => {
          const batch = encode(r.steps.map((s) => s.image), r.steps.map(() => r.instruction));
          const tokens = tf.tensor2d(Int32Array.from(r.steps.flatMap((s) => Array.from(s.tokens))), [r.steps.length, 56], "int32");
          const row = tf.reshape(tokenLogProbs(model.logits(batch), tokens, 1.6), [1, -1]); // [1, S_n·56]
          const padding = (maxSteps - r.steps.length) * 56;
          return padding > 0 ? tf.concat([row, tf.zeros([1, padding])], 1) : row; // [1, S·56]
        }),
      ) as tf.Tensor2D; // [N, S·56]
    const logpOld = tf.tidy(logpOf);
    const advantages = tf.tensor1d(grpoAdvantages(rollouts.map((r) => (r.success ? 1 : 0)), 4));
    const mask = tf.tensor2d(tokenMask(rollouts.map((r) => r.finishStep), maxSteps), [4, maxSteps * 56]);
    const { grads } = tf.variableGrads(() => clippedPolicyLoss(logpOf(), logpOld, advantages, mask, { clipLow: 0.2, clipHigh: 0.28 }).loss, variables);
    variables.forEach((v, i) => {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(grads[v.name], recorded[i]))).dataSync()[0]);
      const scale = tf.tidy(() => tf.max(tf.abs(recorded[i])).dataSync()[0]);
      expect(diff).toBeLessThan(1e-5 + 1e-4 * scale);
    });
    expect(tf.tidy(() => tf.max(tf.abs(recorded[3])).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([logpOld, advantages, mask, ...Object.values(grads), ...recorded]);
  });

  it("all-equal groups carry no gradient", async () => {
    const rollouts = makeRollouts("r4", [[true, true, true, true]]);
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-3, 1);
    const d = await ppoUpdate({ model, rollouts, encode, optimizer, config: testConfig() });
    expect(d.gradNorm).toBe(0);
    expect(d.policyLoss).toBe(0);
    optimizer.dispose();
  });

  it("no tensor leaks across updates", async () => {
    const rollouts = makeRollouts("r5", [[true, false, false, false]]);
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-3, 1);
    const config = testConfig();
    await ppoUpdate({ model, rollouts, encode, optimizer, config }); // warm: the optimizer creates its moments
    await ppoUpdate({ model, rollouts, encode, optimizer, config });
    const afterSecond = tf.memory().numTensors;
    await ppoUpdate({ model, rollouts, encode, optimizer, config });
    expect(tf.memory().numTensors).toBe(afterSecond);
    optimizer.dispose();
  });

  it("refuses a batch that is not whole groups in order", async () => {
    const rollouts = makeRollouts("r6", [[true, false, false, false]]);
    rollouts[2].groupId = 9;
    await expect(ppoUpdate({ model, rollouts, encode, optimizer: new AdamApplier(model.trainableVariables(), 1e-3), config: testConfig() })).rejects.toThrow(/groupId 9/);
  });
});

describe("ppoUpdate (rloo, ppo)", () => {
  const model = new TinyPolicy("ppo");
  afterAll(() => model.dispose());

  it("rloo runs through the same update", async () => {
    const rollouts = makeRollouts("q1", [[true, false, false, false]]);
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-3, 1);
    const d = await ppoUpdate({ model, rollouts, encode, optimizer, config: testConfig({ advantage: "rloo" }) });
    // RLOO at G = 4: success 1 − 0 = 1, failures 0 − 1/3 = −1/3; mean (1 − 1)/4 = 0
    expect(d.advantageMean).toBeCloseTo(0, 12);
    expect(d.valueLoss).toBeNull();
    optimizer.dispose();
  });

  it("ppo trains a value head and does not leak", async () => {
    const rollouts = makeRollouts("q2", [[true, false, false, false]]);
    const head = new ValueHead(8, 16, seedrandom("v"));
    const optimizer = new AdamApplier(updateVariables(model, head), 1e-2, 1);
    const config = testConfig({ advantage: "ppo" });
    await expect(ppoUpdate({ model, rollouts, encode, optimizer, config })).rejects.toThrow(/valueHead/);
    const first = await ppoUpdate({ model, rollouts, encode, optimizer, config, valueHead: head });
    // zero-initialized output layer: V ≡ 0, γ = λ = 1 → advantages = returns = outcome; loss 0.5·mean(R²) = 0.5·(1/4)
    expect(first.valueLoss).toBeCloseTo(0.125, 6);
    expect(first.advantageMean).toBeCloseTo(0.25, 6);
    await ppoUpdate({ model, rollouts, encode, optimizer, config, valueHead: head });
    const count = tf.memory().numTensors;
    const third = await ppoUpdate({ model, rollouts, encode, optimizer, config, valueHead: head });
    expect(tf.memory().numTensors).toBe(count);
    expect(third.valueLoss as number).toBeLessThan(first.valueLoss as number);
    head.dispose();
    optimizer.dispose();
  });
});
