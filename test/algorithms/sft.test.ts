import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import { cutWindows, dropNoOps, isNoOp, makeSftBatch, sftLearningRate, sftLoss, sftStep, type SftEpisode } from "../../algorithms/sft.ts";
import { computeActionStats } from "../../models/actionNormalizer.ts";
import { AdamApplier, randomBatch, TinyPolicy, useCpu } from "./tinyPolicy.ts";

beforeAll(useCpu);

const img = (v: number) => new Uint8Array(128 * 128 * 3).fill(v);

/** Builds an episode whose step s has image value s and the given actions. */
function episode(actions: number[][]): SftEpisode {
  return { images: actions.map((_, s) => img(s)), actions: Float32Array.from(actions.flat()), instruction: "open the drawer" };
}

describe("no-op filter", () => {
  it("drops still steps whose gripper equals the previous kept one, keeps a still gripper change", async () => {
    const e = episode([
      [0, 0, 0, 0, 0, 0, -1], // first step, still: no previous → dropped (norm only)
      [0.1, 0, 0, 0, 0, 0, -1], // moves: kept
      [0, 0, 0, 0, 0, 0.00005, -1], // ‖a[0:6]‖ = 5e-5 < 1e-4, gripper same: dropped
      [0, 0, 0, 0, 0, 0, 1], // still but gripper closes: kept
      [0, 0, 0, 0, 0, 0, 1], // still, gripper unchanged from kept step: dropped
    ]);
    const kept = dropNoOps(e);
    expect(kept.images.map((i) => i[0])).toEqual([1, 3]);
    expect(Array.from(kept.actions)).toEqual([0.1, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 1].map((x) => Math.fround(x)));
  });

  it("compares the gripper with the previous kept step, not the previous raw step", async () => {
    expect(isNoOp([0, 0, 0, 0, 0, 0, 1], [0.5, 0, 0, 0, 0, 0, 1])).toBe(true);
    expect(isNoOp([0, 0, 0, 0, 0, 0, 1], [0.5, 0, 0, 0, 0, 0, -1])).toBe(false);
  });
});

describe("windows", () => {
  it("a window past the episode end repeats the last action", async () => {
    const actions = Array.from({ length: 3 }, (_, s) => [s + 1, 0, 0, 0, 0, 0, s === 2 ? 1 : -1]);
    const windows = cutWindows(episode(actions));
    expect(windows.length).toBe(3);
    // window at step 1: actions 1, 2, then 2 repeated six times
    const dx = Array.from({ length: 8 }, (_, c) => windows[1].actions[c * 7]);
    expect(dx).toEqual([2, 3, 3, 3, 3, 3, 3, 3]);
    expect(windows[1].actions[7 * 7 + 6]).toBe(1);
    expect(windows[1].image[0]).toBe(1);
  });

  it("names the mismatch between images and actions", async () => {
    expect(() => cutWindows({ images: [img(0)], actions: new Float32Array(8), instruction: "x" })).toThrow(/1·7 = 7/);
  });
});

describe("learning-rate schedule", () => {
  const cosine = { steps: 100, lr: 1e-3, warmup: 10, schedule: "cosine" as const };
  it("warms up linearly, then follows a half cosine down to lr/10 (the worked example of sftLearningRate)", () => {
    expect(sftLearningRate(5, cosine)).toBeCloseTo(5e-4, 15);
    expect(sftLearningRate(10, cosine)).toBeCloseTo(1e-3, 15);
    expect(sftLearningRate(55, cosine)).toBeCloseTo(5.5e-4, 15);
    expect(sftLearningRate(100, cosine)).toBeCloseTo(1e-4, 15);
    for (let s = 11; s <= 100; s++) expect(sftLearningRate(s, cosine)).toBeLessThanOrEqual(sftLearningRate(s - 1, cosine));
  });
  it("constant keeps lr after warm-up; no warm-up starts at lr", () => {
    const constant = { ...cosine, schedule: "constant" as const };
    expect(sftLearningRate(3, constant)).toBeCloseTo(3e-4, 15);
    expect(sftLearningRate(100, constant)).toBe(1e-3);
    expect(sftLearningRate(1, { ...constant, warmup: 0 })).toBe(1e-3);
  });
});

describe("makeSftBatch", () => {
  it("gives augmented images at the model size, text ids and the chunk's tokens, deterministically", async () => {
    const actions = Array.from({ length: 10 }, (_, s) => [0.1 * s - 0.5, 0.2, -0.2, 0, 0, 0.05, s < 5 ? -1 : 1]);
    const windows = cutWindows(episode(actions)).slice(0, 3);
    const spec = {
      imageSize: 16,
      textLength: 4,
      textTokenizer: { encode: (text: string, maxLen: number) => Int32Array.from({ length: maxLen }, (_, i) => (i < 2 ? text.length + i : 0)) },
      actionStats: computeActionStats(Float32Array.from(actions.flat())),
    };
    const a = makeSftBatch(windows, spec, seedrandom("x"));
    const b = makeSftBatch(windows, spec, seedrandom("x"));
    expect(a.batch.images.shape).toEqual([3, 16, 16, 3]);
    expect(a.batch.text.shape).toEqual([3, 4]);
    expect(Array.from(a.batch.text.dataSync().slice(0, 4))).toEqual([15, 16, 0, 0]);
    expect(a.targets.shape).toEqual([3, 56]);
    // dim 0 of step 0 is the minimum −0.5, below q01 (−0.491): normalized and clipped to −1 → token 0; gripper −1 → token 0
    expect(a.targets.dataSync()[0]).toBe(0);
    expect(a.targets.dataSync()[6]).toBe(0);
    expect(Array.from(a.batch.images.dataSync())).toEqual(Array.from(b.batch.images.dataSync()));
    tf.dispose([a.batch.images, a.batch.text, a.targets, b.batch.images, b.batch.text, b.targets]);
  });
});

describe("sft loss and step", () => {
  it("uniform logits give cross-entropy ln 256", async () => {
    const r = sftLoss(tf.zeros([2, 56, 256]) as tf.Tensor3D, tf.zeros([2, 56], "int32") as tf.Tensor2D);
    expect(r.loss.dataSync()[0]).toBeCloseTo(Math.log(256), 5);
    tf.dispose([r.loss, r.accuracy]);
  });

  const model = new TinyPolicy("sft");
  const optimizer = new AdamApplier(model.trainableVariables(), 1e-2, 1);
  afterAll(() => {
    model.dispose();
    optimizer.dispose();
  });

  it("sft step lowers the loss on a fixed batch and does not leak tensors", async () => {
    const batch = randomBatch("b", 4);
    const rng = seedrandom("targets");
    const targets = tf.tensor2d(Int32Array.from({ length: 4 * 56 }, () => Math.floor(rng() * 256)), [4, 56], "int32");
    const first = await sftStep(model, batch, targets, optimizer);
    await sftStep(model, batch, targets, optimizer); // warm: creates the optimizer's moment variables
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = await sftStep(model, batch, targets, optimizer);
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(first.loss - 0.5);
    expect(last.accuracy).toBeGreaterThan(first.accuracy);
    expect(first.gradNorm).toBeGreaterThan(0);
    tf.dispose([batch.images, batch.text, targets]);
  });
});
