import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ParallelPolicy, rowBlocks } from "../../algorithms/rollout/parallelPolicy.ts";
import { selectBackend } from "../../models/backend.ts";
import { vlaPreset } from "../../models/config.ts";
import type { VlaBatch } from "../../models/types.ts";
import { Vla } from "../../models/vla.ts";

describe("rowBlocks", () => {
  test("cuts B rows into contiguous blocks, larger first, never more blocks than rows", () => {
    expect(rowBlocks(5, 2)).toEqual([[0, 3], [3, 5]]);
    expect(rowBlocks(7, 3)).toEqual([[0, 3], [3, 5], [5, 7]]);
    expect(rowBlocks(2, 4)).toEqual([[0, 1], [1, 2]]);
    expect(rowBlocks(4, 1)).toEqual([[0, 4]]);
  });
});

describe("ParallelPolicy on wasm", () => {
  const c = vlaPreset("tiny");
  let model: Vla;
  let batch: VlaBatch;
  const B = 5;
  beforeAll(async () => {
    await selectBackend("wasm");
    model = new Vla(c, 3);
    const ids = Int32Array.from({ length: B * c.maxTextLen }, (_, i) => (i % c.maxTextLen < 5 ? 1 + ((i * 7) % (c.vocabSize - 1)) : 0));
    batch = { images: tf.randomUniform([B, c.imageSize, c.imageSize, 3], 0, 1, "float32", 4) as tf.Tensor4D, text: tf.tensor2d(ids, [B, c.maxTextLen], "int32") };
  });
  afterAll(() => {
    tf.dispose([batch.images, batch.text]);
    model.dispose();
  });

  test("a row's logits do not depend on the rows beside it (the premise of splitting the batch)", () => {
    const full = model.logits(batch);
    const parts = [[0, 2], [2, 5]].map(([s, e]) => model.logits({ images: tf.slice(batch.images, [s], [e - s]), text: tf.slice(batch.text, [s], [e - s]) }));
    expect(Array.from(tf.concat(parts).dataSync())).toEqual(Array.from(full.dataSync()));
    tf.dispose([full, ...parts]);
  });

  test("two threads give the logits and samples of one, bit for bit, and follow the weights on prepare()", async () => {
    const policy = await ParallelPolicy.start(model, 2);
    try {
      expect(policy.threadCount).toBe(2);
      await expect(policy.logitsAsync(batch)).rejects.toThrow(/call prepare\(\) before the first forward pass/);
      await policy.prepare();
      const one = model.logits(batch);
      expect(Array.from(await policy.logitsAsync(batch))).toEqual(Array.from(one.dataSync()));
      one.dispose();
      const rngs = () => Array.from({ length: B }, (_, b) => seedrandom(`row${b}`));
      const a = await policy.sampleAsync(batch, 1.3, rngs());
      const b = await model.sampleAsync(batch, 1.3, rngs());
      expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
      expect(Array.from(a.logProbs)).toEqual(Array.from(b.logProbs));
      // New weights reach the worker with the next prepare().
      const v = model.trainableVariables()[0];
      const saved = tf.clone(v);
      v.assign(tf.mul(v, 1.5));
      await policy.prepare();
      const two = model.logits(batch);
      expect(Array.from(await policy.logitsAsync(batch))).toEqual(Array.from(two.dataSync()));
      two.dispose();
      v.assign(saved);
      saved.dispose();
    } finally {
      await policy.dispose();
    }
  });

  test("refuses a GPU backend and a thread count that is not a positive integer", async () => {
    await expect(ParallelPolicy.start(model, 0)).rejects.toThrow(/positive integer, got 0/);
  });
});
