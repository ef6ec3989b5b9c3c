import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../../models/backend.ts";
import { vlaPreset } from "../../models/config.ts";
import { AdamW } from "../../models/optim.ts";
import { ACTION_SLOTS } from "../../models/types.ts";
import { Vla } from "../../models/vla.ts";
import { disposeBatch, makeBatch } from "./helpers.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

const config = vlaPreset("tiny");

function targets(B: number): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from({ length: B * ACTION_SLOTS }, (_, i) => (i * 91 + 17) % 256), [B, ACTION_SLOTS], "int32");
}

describe("training", () => {
  test("a warm forward/backward + AdamW step leaves tf.memory().numTensors unchanged", async () => {
    const model = new Vla(config, 2);
    const optimizer = new AdamW(model.trainableVariables(), { lr: 1e-3 });
    const batch = makeBatch(config, 2, 5);
    const tokens = targets(2);
    const step = () => optimizer.minimize(() => tf.neg(tf.mean(model.logProbs(batch, tokens, 1))) as tf.Scalar);
    await step(); // warm: creates the optimizer's lazily kept scalars, if any
    const before = tf.memory().numTensors;
    await step();
    const rngs = [() => 0.5, () => 0.25];
    model.sample(batch, 1.6, rngs);
    model.greedy(batch);
    tf.dispose([model.features(batch), model.logits(batch)]);
    expect(tf.memory().numTensors).toBe(before);
    tokens.dispose();
    disposeBatch(batch);
    optimizer.dispose();
    model.dispose();
  });

  test("the tiny model overfits a 4-example batch to > 99% token accuracy", async () => {
    const model = new Vla(config, 4);
    const optimizer = new AdamW(model.trainableVariables(), { lr: 3e-3, weightDecay: 0 });
    const batch = makeBatch(config, 4, 6, 1);
    const tokens = targets(4);
    const want = tokens.dataSync();
    let accuracy = 0;
    for (let step = 0; step < 200 && accuracy <= 0.99; step++) {
      await optimizer.minimize(() => tf.neg(tf.mean(model.logProbs(batch, tokens, 1))) as tf.Scalar);
      if (step % 10 === 9) {
        const got = model.greedy(batch);
        accuracy = got.filter((k, i) => k === want[i]).length / got.length;
      }
    }
    expect(accuracy).toBeGreaterThan(0.99);
    tokens.dispose();
    disposeBatch(batch);
    optimizer.dispose();
    model.dispose();
  });
});
