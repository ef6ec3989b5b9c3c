/**
 * The algorithms on the real VLA (tiny preset): one GRPO update and one SFT step through `models/vla.ts`,
 * with the deterministic centre crop as the observation encoder. Skips with a message while the VLA is absent.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import seedrandom from "seedrandom";
import { augmentImages, imagesToTensor } from "../../algorithms/augment.ts";
import { prepareImages } from "../../models/imagePrep.ts";
import { ppoUpdate, type ObservationEncoder } from "../../algorithms/ppoUpdate.ts";
import { defaultRlConfig } from "../../algorithms/rlConfig.ts";
import type { Rollout } from "../../algorithms/rollout.ts";
import { sftStep } from "../../algorithms/sft.ts";
import type { PolicyModel } from "../../models/types.ts";
import type { GradientApplier } from "../../algorithms/gradientApplier.ts";
import { AdamApplier, useCpu } from "./tinyPolicy.ts";

const vlaPath = new URL("../../models/vla.ts", import.meta.url);
const present = existsSync(vlaPath);
if (!present) console.warn("skipping the VLA integration tests: models/vla.ts is not there yet");

const optimPath = new URL("../../models/optim.ts", import.meta.url);

/** The project's AdamW when models/optim.ts is there, else the test's Adam stand-in. */
async function optimizerFor(variables: tf.Variable[], lr: number): Promise<GradientApplier & { dispose(): void }> {
  if (!existsSync(optimPath)) return new AdamApplier(variables, lr, 1);
  const { AdamW } = await import("../../models/optim.ts");
  return new AdamW(variables, { lr, clipNorm: 1 });
}

async function tinyVla(seed: number): Promise<{ model: PolicyModel; imageSize: number }> {
  const { Vla } = await import("../../models/vla.ts");
  const { vlaPreset } = await import("../../models/config.ts");
  const config = vlaPreset("tiny");
  return { model: new Vla(config, seed), imageSize: config.imageSize };
}

function textIds(instructions: readonly string[]): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from(instructions.flatMap((s) => [1 + (s.length % 60), 2, 3])), [instructions.length, 3], "int32");
}

describe.skipIf(!present)("algorithms on the tiny VLA", () => {
  beforeAll(useCpu);

  it("a GRPO update recomputes the sampling log-probs, sees ρ ≡ 1 on its first mini-batch, and does not leak", async () => {
    const { model, imageSize } = await tinyVla(1);
    // the rollout's own preprocessing: centre crop of 0.9 area resized to the model's input
    const encode: ObservationEncoder = (images, instructions) => ({ images: prepareImages([...images], imageSize), text: textIds(instructions) });
    const rng = seedrandom("vla");
    const rollouts: Rollout[] = [true, false].map((success, m) => ({
      suite: "libero_goal",
      taskId: 0,
      instruction: "open the middle drawer of the cabinet",
      init: { split: "train", index: 0 },
      groupId: 0,
      finishStep: 11 - m,
      success,
      steps: [0, 1].map(() => ({
        image: Uint8Array.from({ length: 128 * 128 * 3 }, () => Math.floor(rng() * 256)),
        tokens: Int32Array.from({ length: 56 }, () => Math.floor(rng() * 256)),
        samplingLogProbs: new Float32Array(56),
      })),
    }));
    // sampling-time log-probs from the model's own logProbs, as the rollout engine would record them
    for (const r of rollouts) {
      const batch = encode(r.steps.map((s) => s.image), r.steps.map(() => r.instruction));
      const tokens = tf.tensor2d(Int32Array.from(r.steps.flatMap((s) => Array.from(s.tokens))), [r.steps.length, 56], "int32");
      const logp = model.logProbs(batch, tokens, 1.6);
      const values = logp.dataSync();
      r.steps.forEach((s, c) => s.samplingLogProbs.set(values.subarray(c * 56, (c + 1) * 56)));
      tf.dispose([batch.images, batch.text, tokens, logp]);
    }
    const config = { ...defaultRlConfig(), groupSize: 2, miniBatchTrajectories: 2, sliceChunkSteps: 2 };
    // the test's Adam: this test pins the update's own tensor count, whatever the optimizer does
    const optimizer = new AdamApplier(model.trainableVariables(), 1e-3, 1);
    const first = await ppoUpdate({ model, rollouts, encode, optimizer, config });
    expect(first.ratioMean).toBeCloseTo(1, 6);
    expect(first.samplingLogProbGap).toBeLessThan(1e-4);
    expect(first.gradNorm).toBeGreaterThan(0);
    await ppoUpdate({ model, rollouts, encode, optimizer, config });
    const count = tf.memory().numTensors;
    await ppoUpdate({ model, rollouts, encode, optimizer, config });
    expect(tf.memory().numTensors).toBe(count);
    optimizer.dispose();
    tf.dispose(model.trainableVariables());
  });

  it("an SFT step on augmented images lowers the loss (with models/optim.ts' AdamW when present)", async () => {
    const { model, imageSize } = await tinyVla(2);
    const rng = seedrandom("sft");
    const raw = imagesToTensor([0, 1].map(() => Uint8Array.from({ length: 128 * 128 * 3 }, () => Math.floor(rng() * 256))));
    const images = augmentImages(raw, rng, imageSize);
    const batch = { images, text: textIds(["put the bowl on the plate", "open the drawer"]) };
    const targets = tf.tensor2d(Int32Array.from({ length: 2 * 56 }, () => Math.floor(rng() * 256)), [2, 56], "int32");
    const optimizer = await optimizerFor(model.trainableVariables(), 3e-3);
    const first = await sftStep(model, batch, targets, optimizer);
    let last = first;
    for (let i = 0; i < 5; i++) last = await sftStep(model, batch, targets, optimizer);
    expect(last.loss).toBeLessThan(first.loss);
    tf.dispose([raw, images, batch.text, targets, ...model.trainableVariables()]);
    optimizer.dispose();
  });
});
